// The Nexus dashboard's page: the fleet (#/) and a store (#/store/NS/NAME),
// drawn from the dashboard's JSON, which is what `kubectl nexus ... -o json`
// prints. Text goes into the page as text, never as HTML. The fleet is
// pushed to the page by the dashboard's one watch (/api/events): the fleet
// page redraws from it, a store's page reads its details again only when
// that store changed. Nothing polls.
"use strict";

const main = () => document.getElementById("main");

/**
 * The fleet as last pushed, what the page on show does with a push, and
 * what it does after the stream was lost for a while (changes may have been
 * missed: a store's page reads its store again).
 */
const live = { fleet: null, onFleet: null, onReconnect: null };

function follow() {
  const state = document.getElementById("live");
  const events = new EventSource("/api/events");
  let lost = false;
  events.addEventListener("open", () => {
    state.textContent = "Live";
    if (lost && live.onReconnect) live.onReconnect();
    lost = false;
  });
  events.addEventListener("error", () => {
    lost = true;
    // Closed: the dashboard refused the stream (it was restarted, and its
    // token is another); the browser will not try again.
    state.textContent = events.readyState === EventSource.CLOSED
      ? "Not live: open the address kubectl nexus dashboard printed" : "Reconnecting…";
  });
  events.addEventListener("fleet", (event) => {
    live.fleet = JSON.parse(event.data);
    state.textContent = live.fleet.error ? "Live updates paused" : "Live";
    if (live.onFleet) live.onFleet(live.fleet);
  });
}

/** An element with attributes and children (strings become text). */
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  // Children may come as lists of lists (a row of cells per step).
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

async function api(path) {
  const response = await fetch(path, { credentials: "same-origin", headers: { Accept: "application/json" } });
  const body = await response.json().catch(() => ({ error: response.statusText }));
  if (!response.ok) throw new Error(body.error || response.statusText);
  return body;
}

function age(time) {
  if (!time) return "-";
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(time)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86400)}d`;
}

function phase(name) {
  return el("span", { class: `phase ${name}` }, name);
}

/** The page's content: nodes and lists of nodes; null and undefined are left out. */
function show(...nodes) {
  main().replaceChildren(...nodes.flat(2).filter((node) => node !== null && node !== undefined));
}

function failure(error) {
  show(el("p", { class: "error", role: "alert" }, error.message));
}

const PHASES = ["Pending", "Provisioning", "Ready", "Degraded", "Suspending", "Suspended", "Failed", "Deleting"];

function fleetPage() {
  const search = el("input", { type: "search", id: "search", placeholder: "name, namespace or owner" });
  const which = el("select", { id: "phase" }, el("option", { value: "" }, "every phase"),
    PHASES.map((p) => el("option", { value: p }, p)));
  const body = el("tbody");
  const shown = el("p", { class: "muted", "aria-live": "polite" }, "Loading…");
  const counts = el("ul", { class: "counts", "aria-label": "Stores by phase" });
  const where = el("p", { class: "muted" });
  const trouble = el("p", { class: "error", role: "alert", hidden: true });
  const draw = () => {
    const fleet = live.fleet;
    if (!fleet) return;
    trouble.hidden = !fleet.error;
    trouble.textContent = fleet.error ? `Live updates paused: ${fleet.error}` : "";
    if (!fleet.synced) return;
    const stores = fleet.items;
    where.textContent = fleet.namespace
      ? `In namespace ${fleet.namespace}: your account does not list stores across namespaces.` : "";
    counts.replaceChildren(...PHASES.map((p) => [p, stores.filter((s) => s.phase === p).length])
      .filter(([, n]) => n > 0).map(([p, n]) => el("li", {}, phase(p), ` ${n}`)));
    const words = search.value.trim().toLowerCase();
    const rows = stores.filter((s) => (!which.value || s.phase === which.value)
      && (!words || [s.name, s.namespace, s.owner || ""].some((t) => t.toLowerCase().includes(words))));
    body.replaceChildren(...rows.map((s) => el("tr", { "data-store": `${s.namespace}/${s.name}` },
      el("td", {}, el("a", { href: `#/store/${encodeURIComponent(s.namespace)}/${encodeURIComponent(s.name)}` }, s.name)),
      el("td", {}, s.namespace),
      el("td", {}, s.plan),
      el("td", {}, phase(s.phase), s.reason && s.phase !== "Ready" ? el("span", { class: "muted" }, ` ${s.reason}`) : null),
      el("td", {}, s.url ? el("a", { href: s.url, rel: "noreferrer", target: "_blank" }, s.url) : "-"),
      el("td", {}, s.owner || "-"),
      el("td", {}, age(s.createdAt)))));
    shown.textContent = `${rows.length} of ${stores.length} stores`;
  };
  search.addEventListener("input", draw);
  which.addEventListener("change", draw);
  show(
    el("h1", {}, "Stores"),
    trouble,
    where,
    counts,
    el("div", { class: "filters" },
      el("label", { for: "search" }, "Search", search),
      el("label", { for: "phase" }, "Phase", which)),
    shown,
    el("table", {},
      el("thead", {}, el("tr", {}, ["Name", "Namespace", "Plan", "Phase", "URL", "Owner", "Age"].map((h) => el("th", { scope: "col" }, h)))),
      body));
  live.onFleet = draw;
  draw();
}

function timeline(steps) {
  const times = steps.map((s) => [Date.parse(s.startedAt), s.finishedAt ? Date.parse(s.finishedAt) : Date.now()]);
  const start = Math.min(...times.map(([a]) => a));
  const end = Math.max(...times.map(([, b]) => b));
  const span = Math.max(1, end - start);
  return el("div", { class: "timeline", role: "list", "aria-label": "The last provisioning, step by step" },
    steps.map((s, i) => {
      const [from, to] = times[i];
      const bar = el("div", { class: s.finishedAt ? "bar" : "bar running" });
      // Set through the style object: the page's policy allows no style attribute.
      bar.style.left = `${((from - start) / span) * 100}%`;
      bar.style.width = `${Math.max(0.5, ((to - from) / span) * 100)}%`;
      const took = ((to - from) / 1000).toFixed(1);
      return [
        el("span", { role: "listitem" }, s.step),
        el("div", { class: "track", "aria-hidden": "true" }, bar),
        el("span", {}, s.finishedAt ? `${took}s` : `${took}s, running`),
      ];
    }));
}

/** A store's page; read again each time the fleet says the store changed. */
async function storePage(namespace, name) {
  const key = `${namespace}/${name}`;
  const page = location.hash;
  let asked = 0;
  const load = async () => {
    const ticket = ++asked;
    const store = await api(`/api/stores/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`);
    // A later read, or another page, has the last word.
    if (ticket === asked && location.hash === page) drawStore(store);
  };
  live.onFleet = (fleet) => {
    if (fleet.changed.includes(key)) load().catch(failure);
  };
  live.onReconnect = () => load().catch(failure);
  await load();
}

function drawStore(store) {
  const row = (label, value) => [el("dt", {}, label), el("dd", {}, value)];
  show(
    el("p", {}, el("a", { href: "#/" }, "← Stores")),
    el("h1", {}, `${store.name} `, phase(store.phase)),
    el("dl", { class: "summary" },
      row("Namespace", store.namespace),
      row("Plan", store.plan),
      row("URL", store.url ? el("a", { href: store.url, rel: "noreferrer", target: "_blank" }, store.url) : "-"),
      store.owner ? row("Owner", store.owner) : null,
      row("Store namespace", store.storeNamespace),
      row("Age", age(store.createdAt)),
      store.lastCheck ? row("Last check", `${store.lastCheck.passed ? "passed" : "did not pass"} ${age(store.lastCheck.finishedAt)} ago`) : null),
    el("h2", {}, "Conditions"),
    el("table", {},
      el("thead", {}, el("tr", {}, ["Type", "Status", "Reason", "Age", "Message"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, store.conditions.map((c) => el("tr", {},
        el("td", {}, c.type), el("td", {}, c.status), el("td", {}, c.reason),
        el("td", {}, age(c.lastTransitionTime)), el("td", {}, c.message))))),
    store.steps && store.steps.length ? [el("h2", {}, "Provisioning"), timeline(store.steps)] : null,
    el("h2", {}, "Events"),
    store.events.length ? el("table", {},
      el("thead", {}, el("tr", {}, ["Type", "Reason", "Age", "Message"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, store.events.map((e) => el("tr", {},
        el("td", {}, e.type), el("td", {}, e.reason), el("td", {}, age(e.lastSeen)), el("td", {}, e.message)))))
      : el("p", { class: "muted" }, "none"));
}

async function route() {
  live.onFleet = null;
  live.onReconnect = null;
  const parts = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  try {
    if (parts[0] === "store" && parts.length === 3) await storePage(parts[1], parts[2]);
    else await fleetPage();
  } catch (error) {
    failure(error);
  }
  main().focus();
}

window.addEventListener("hashchange", route);
follow();
route();
