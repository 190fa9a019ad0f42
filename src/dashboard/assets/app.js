// The Nexus dashboard's page: the fleet (#/) and a store (#/store/NS/NAME),
// drawn from the dashboard's JSON, which is what `kubectl nexus ... -o json`
// prints. Text goes into the page as text, never as HTML. The fleet is
// pushed to the page by the dashboard's one watch (/api/events): the fleet
// page redraws from it, a store's page reads its details again only when
// that store changed. Nothing polls (but a part of a store's page that
// failed to load is asked again, less and less often). Writes (suspend, resume, retry,
// delete) carry the dashboard's CSRF token and act as the person, as the CLI.
"use strict";

const main = () => document.getElementById("main");

/**
 * The fleet as last pushed, what the page on show does with a push, and
 * what it does after the stream was lost for a while (changes may have been
 * missed: a store's page reads its store again), and what the last page
 * said for the next one to show (a store made: the API server's warnings).
 */
const live = { fleet: null, onFleet: null, onReconnect: null, said: null };

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

/** What the dashboard says of itself (its CSRF token, namespace, plans), asked once. */
let asked = null;
const session = () => {
  asked = asked || api("/api/session").catch((error) => { asked = null; throw error; });
  return asked;
};

/** An answer that is not a success: its words, and the field they are about. */
class Refused extends Error {
  constructor(answer, status) {
    super(answer.error || status);
    this.field = answer.field || null;
  }
}

async function api(path, method = "GET", body = undefined) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") {
    headers["X-CSRF-Token"] = (await session()).csrf;
    headers["Content-Type"] = "application/json";
  }
  const response = await fetch(path, {
    method, credentials: "same-origin", headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({ error: response.statusText }));
  if (!response.ok) throw new Refused(answer, response.statusText);
  return answer;
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

/**
 * A table in a region of its own that scrolls sideways when the window is
 * narrow (200 % zoom), so that the page itself never does; the region takes
 * the keyboard's focus, to be scrolled without a mouse.
 */
function wide(label, ...parts) {
  return el("div", { class: "wide", role: "region", "aria-label": label, tabindex: "0" }, el("table", {}, ...parts));
}

/** Makes `parent`'s children `nodes`, moving only those out of place. */
function place(parent, nodes) {
  nodes.forEach((node, i) => {
    if (parent.children[i] !== node) parent.insertBefore(node, parent.children[i] || null);
  });
  while (parent.children.length > nodes.length) parent.lastElementChild.remove();
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
  const drawn = new Map(); // by namespace/name: the row and the summary it shows
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
    // A row whose store did not change is the same element as before: the
    // keyboard's focus on its link, and a pointer over it, stay put.
    const focused = document.activeElement && document.activeElement.closest("tr[data-store]");
    const present = new Set(stores.map((s) => `${s.namespace}/${s.name}`));
    for (const key of drawn.keys()) if (!present.has(key)) drawn.delete(key);
    place(body, rows.map((s) => {
      const key = `${s.namespace}/${s.name}`;
      const json = JSON.stringify(s);
      const kept = drawn.get(key);
      if (kept && kept.json === json) {
        kept.tr.lastChild.textContent = age(s.createdAt);
        return kept.tr;
      }
      const tr = el("tr", { "data-store": key },
        el("td", {}, el("a", { href: `#/store/${encodeURIComponent(s.namespace)}/${encodeURIComponent(s.name)}` }, s.name)),
        el("td", {}, s.namespace),
        el("td", {}, s.plan),
        el("td", {}, phase(s.phase), s.reason && s.phase !== "Ready" ? el("span", { class: "muted" }, ` ${s.reason}`) : null),
        el("td", {}, s.url ? el("a", { href: s.url, rel: "noreferrer", target: "_blank" }, s.url) : "-"),
        el("td", {}, s.owner || "-"),
        el("td", {}, age(s.createdAt)));
      drawn.set(key, { json, tr });
      return tr;
    }));
    // A changed row is drawn anew: the focus goes to its new link.
    if (focused && !focused.isConnected) {
      const again = drawn.get(focused.dataset.store);
      if (again && again.tr.isConnected) again.tr.querySelector("a").focus();
    }
    shown.textContent = `${rows.length} of ${stores.length} stores`;
  };
  search.addEventListener("input", draw);
  which.addEventListener("change", draw);
  show(
    el("h1", {}, "Stores"),
    el("p", {}, el("a", { href: "#/new", class: "button" }, "New store")),
    trouble,
    where,
    counts,
    el("div", { class: "filters" },
      el("label", { for: "search" }, "Search", search),
      el("label", { for: "phase" }, "Phase", which)),
    shown,
    wide("Stores",
      el("thead", {}, el("tr", {}, ["Name", "Namespace", "Plan", "Phase", "URL", "Owner", "Age"].map((h) => el("th", { scope: "col" }, h)))),
      body));
  live.onFleet = draw;
  draw();
}

/**
 * The form's fields: the API's name of each, what it is called, and which
 * `store create` checks name it in their errors (shown beside it).
 */
const FIELDS = [
  { id: "name", label: "Name", errors: ["store name"], input: { required: true, autocomplete: "off", spellcheck: "false" },
    help: "Lowercase letters, digits and '-', at most 40; the store's address is NAME.<base domain>." },
  { id: "plan", label: "Plan", errors: ["plan"], help: "Its resource quota and limits." },
  { id: "adminEmail", label: "Administrator's email", errors: ["admin email"], input: { type: "email", autocomplete: "email" },
    help: "Optional: WordPress's administrator (admin@ the store's host otherwise)." },
  { id: "currency", label: "Currency", errors: ["currency"], input: { autocomplete: "off", size: 6 },
    help: "Optional: an ISO 4217 code such as EUR (WooCommerce's default otherwise)." },
  { id: "domain", label: "Domain", errors: ["domain"], input: { autocomplete: "off" },
    help: "Optional: a host name of its own instead of NAME.<base domain>." },
  { id: "backupSchedule", label: "Backup schedule", errors: ["backup schedule", "backup keep age"], input: { autocomplete: "off" },
    help: "Optional: cron's five fields in UTC, such as 0 3 * * * (03:00 every day)." },
  { id: "labels", label: "Labels", errors: ["label"], input: { autocomplete: "off", spellcheck: "false" },
    help: "Optional: KEY=VALUE pairs for the Store, separated by commas, such as team=payments." },
];

/** A new store, made as `kubectl nexus store create` makes one. */
async function newStorePage() {
  const about = await session();
  const namespace = el("input", { id: "namespace", required: true, autocomplete: "off", spellcheck: "false" });
  namespace.value = about.namespace;
  const errorOf = {};
  const inputs = {};
  const field = (f, control) => {
    errorOf[f.id] = el("p", { id: `${f.id}-error`, class: "field-error", hidden: true });
    control.setAttribute("aria-describedby", `${f.id}-help ${f.id}-error`);
    inputs[f.id] = control;
    return el("div", { class: "field" },
      el("label", { for: f.id }, f.label),
      control,
      el("p", { id: `${f.id}-help`, class: "muted help" }, f.help),
      errorOf[f.id]);
  };
  const sample = el("input", { id: "sampleProducts", type: "checkbox", checked: true });
  const general = el("p", { class: "error", role: "alert", tabindex: "-1", hidden: true });
  const submit = el("button", { type: "submit" }, "Create store");
  const form = el("form", { novalidate: true, "aria-label": "New store" },
    general,
    el("div", { class: "field" }, el("label", { for: "namespace" }, "Namespace"), namespace),
    FIELDS.map((f) => field(f, f.id === "plan"
      ? el("select", { id: "plan" }, about.plans.map((p) => el("option", { value: p }, p)))
      : el("input", { id: f.id, ...(f.input || {}) }))),
    el("div", { class: "field" }, el("label", {}, sample, " A sample product")),
    submit);
  const clear = () => {
    general.hidden = true;
    for (const [id, node] of Object.entries(errorOf)) {
      node.hidden = true;
      node.textContent = "";
      inputs[id].removeAttribute("aria-invalid");
    }
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear();
    submit.disabled = true;
    const body = { sampleProducts: sample.checked };
    for (const f of FIELDS) body[f.id] = inputs[f.id].value;
    try {
      const ns = namespace.value.trim();
      const made = await api(`/api/stores/${encodeURIComponent(ns)}`, "POST", body);
      const warnings = (made.warnings || []).map((w) => ` Warning: ${w}`).join("");
      live.said = `Created.${warnings}`;
      location.hash = `#/store/${encodeURIComponent(made.store.namespace)}/${encodeURIComponent(made.store.name)}`;
    } catch (error) {
      submit.disabled = false;
      const at = error.field && FIELDS.find((f) => f.errors.includes(error.field));
      if (at) {
        errorOf[at.id].textContent = error.message;
        errorOf[at.id].hidden = false;
        inputs[at.id].setAttribute("aria-invalid", "true");
        inputs[at.id].focus();
      } else {
        general.textContent = error.message;
        general.hidden = false;
        general.focus();
      }
    }
  });
  show(el("p", {}, el("a", { href: "#/" }, "← Stores")), el("h1", {}, "New store"), form);
  inputs.name.focus();
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
  const path = `/api/stores/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
  // What the person is doing on the page outlives its redraws: where the
  // focus was, what the last action said (and the controls, below).
  // The parts read apart (quota, audit, backups: each an answer or an
  // error) and the credentials while shown.
  const state = { focus: null, said: live.said, saidIsError: false, parts: {}, credentials: null };
  live.said = null;
  let asked = 0;
  let last = null;
  const shownHere = pagesShown;
  const here = () => shownHere === pagesShown && location.hash === page;
  // Read when the page opens, after an action, and when the phase changes:
  // not at every status write of a store being provisioned. The newest
  // read has the last word (an earlier one may answer later). A part that
  // failed is read again, 2 s later, then 4, up to a minute apart: the
  // store's namespace opens to its tenant only once the operator has made
  // it, and a refusal read then must not stay on the page.
  let partsAsked = 0;
  let partsAgain = null;
  const loadParts = async (wait = 2000) => {
    const ticket = ++partsAsked;
    clearTimeout(partsAgain);
    const names = ["quota", "audit", "backups"];
    const answers = await Promise.allSettled(names.map((part) => api(`${path}/${part}`)));
    if (ticket !== partsAsked || !here()) return;
    names.forEach((part, i) => {
      state.parts[part] = answers[i].status === "fulfilled" ? answers[i].value : { error: answers[i].reason.message };
    });
    if (last) redraw();
    if (answers.some((answer) => answer.status === "rejected")) {
      partsAgain = setTimeout(() => {
        if (ticket === partsAsked && here()) loadParts(Math.min(wait * 2, 60000));
      }, wait);
    }
  };
  const redraw = () => {
    const focused = document.activeElement;
    if (focused && focused.id && main().contains(focused)) state.focus = focused.id;
    drawStore(last, state, c);
    const again = state.focus && document.getElementById(state.focus);
    if (again) again.focus();
  };
  const load = async () => {
    const ticket = ++asked;
    const store = await api(path);
    // A later read, or another page, has the last word.
    if (ticket === asked && here()) {
      const moved = !last || last.phase !== store.phase;
      last = store;
      redraw();
      if (moved) loadParts();
    }
  };
  // An action from the page: said on the page, then the store as it is
  // now (the live push follows it further).
  const act = async (what, method, route, body) => {
    state.said = `${what}…`;
    state.saidIsError = false;
    redraw();
    try {
      const answer = await api(`${path}${route}`, method, body);
      const warnings = answer.warnings || [];
      state.said = [`${what}: asked.`, ...warnings.map((w) => `Warning: ${w}`)].join(" ");
      if (answer.deleted) {
        state.said = `${what}: asked. The operator takes the final backup and cleans up; the store leaves the list when it is gone.`;
      }
    } catch (error) {
      state.said = `${what} failed: ${error.message}`;
      state.saidIsError = true;
    }
    if (!here()) return;
    await load().catch(() => redraw());
    loadParts();
  };
  // The credentials, on the person's click only (a write: the read is
  // recorded in the store's audit trail), and gone again on Hide.
  const reveal = async () => {
    try {
      state.credentials = await api(`${path}/credentials`, "POST");
      state.focus = "hide-credentials";
    } catch (error) {
      state.credentials = { error: error.message };
    }
    redraw();
    loadParts();
  };
  const conceal = () => {
    state.credentials = null;
    state.focus = "show-credentials";
    redraw();
  };
  // Gone from the fleet after it was shown: deleted (here or elsewhere).
  const gone = () => show(
    el("p", {}, el("a", { href: "#/" }, "← Stores")),
    el("h1", {}, name),
    el("p", { role: "status" }, `Store ${name} was deleted: it is gone from namespace ${namespace}.`));
  const c = controls(name, act, reveal, conceal);
  live.onFleet = (fleet) => {
    if (!fleet.changed.includes(key)) return;
    const listed = fleet.items.some((s) => `${s.namespace}/${s.name}` === key);
    if (last && fleet.synced && !listed) gone();
    else load().catch(failure);
  };
  live.onReconnect = () => load().catch(failure);
  await load();
}

/**
 * The store page's buttons and the delete field, made once per page and
 * put back at each redraw: what the person types, and the element they are
 * about to click, are the same across live updates.
 */
function controls(name, act, reveal, conceal) {
  const button = (id, label, handler) => el("button", { id, type: "button", onclick: handler }, label);
  const c = {
    show: button("show-credentials", "Show credentials", reveal),
    hide: button("hide-credentials", "Hide credentials", conceal),
    suspend: button("suspend", "Suspend", () => act("Suspend", "POST", "/suspend")),
    resume: button("resume", "Resume", () => act("Resume", "POST", "/resume")),
    retry: button("retry", "Retry", () => act("Retry", "POST", "/retry")),
    confirm: el("input", { id: "confirm-delete", type: "text", autocomplete: "off", spellcheck: "false" }),
    remove: el("button", { id: "delete", type: "button", class: "danger", disabled: true }, `Delete ${name}`),
  };
  // Deleting asks for the store's name, typed: nothing else enables it.
  c.confirm.addEventListener("input", () => { c.remove.disabled = c.confirm.value !== name; });
  c.remove.addEventListener("click", () => act("Delete", "DELETE", "", { confirm: c.confirm.value }));
  return c;
}

/** What the person may do with the store now, as buttons. */
function actions(store, state, c) {
  const suspended = store.phase === "Suspended" || store.phase === "Suspending";
  return [
    el("h2", {}, "Actions"),
    el("div", { class: "actions" }, suspended ? c.resume : c.suspend, store.phase === "Failed" ? c.retry : null),
    state.said ? el("p", { id: "said", class: state.saidIsError ? "error" : "muted", role: state.saidIsError ? "alert" : "status" }, state.said) : null,
  ];
}

function deletion(store, c) {
  if (store.phase === "Deleting") return [el("h2", {}, "Delete"), el("p", { class: "muted" }, "Being deleted.")];
  c.remove.disabled = c.confirm.value !== store.name;
  return [
    el("h2", {}, "Delete"),
    el("p", {}, "Deletes the store, its database and its files (after a final backup where backups are configured). This cannot be undone."),
    el("div", { class: "actions" },
      el("label", { for: "confirm-delete" }, `Type ${store.name} to confirm`, c.confirm),
      c.remove),
  ];
}

/** A part that could not be read says why, in its place. */
function part(answer, draw) {
  if (!answer) return el("p", { class: "muted" }, "Loading…");
  if (answer.error) return el("p", { class: "error" }, answer.error);
  return draw(answer);
}

function credentialsSection(state, c) {
  const shown = state.credentials;
  const row = (label, value) => [el("dt", {}, label), el("dd", {}, value)];
  return [
    el("h2", {}, "Credentials"),
    !shown || shown.error ? [
      el("p", {}, "WordPress's administrator. Showing them is recorded in the store's audit trail."),
      c.show,
      shown ? el("p", { class: "error", role: "alert" }, shown.error) : null,
    ] : [
      el("dl", { class: "summary", id: "credentials" },
        row("Login", shown.loginUrl ? el("a", { href: shown.loginUrl, rel: "noreferrer", target: "_blank" }, shown.loginUrl) : "-"),
        row("Username", el("code", {}, shown.username)),
        row("Password", el("code", {}, shown.password)),
        shown.email ? row("Email", shown.email) : null),
      c.hide,
    ],
  ];
}

function quotaSection(answer) {
  return [el("h2", {}, "Quota and usage"), part(answer, (quota) => el("div", { class: "bars" },
    quota.lines.map((line) => {
      const share = line.share === undefined ? null : line.share;
      const words = line.hard === "0" ? "none allowed"
        : `${line.used} of ${line.hard}${share === null ? "" : ` (${Math.round(share * 100)} %)`}`;
      return [
        el("span", { id: `quota-${line.resource}` }, line.resource),
        share === null ? el("span", {}, "") : el("meter", { min: 0, max: 1, low: 0.75, high: 0.9, optimum: 0,
          value: Math.min(share, 1), "aria-labelledby": `quota-${line.resource}`, title: words }),
        el("span", { class: share !== null && share >= 1 ? "over" : "" }, words),
      ];
    })))];
}

function backupsSection(answer) {
  const size = (bytes) => bytes === undefined ? "-" : bytes >= 1048576 ? `${(bytes / 1048576).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
  return [el("h2", {}, "Backups"), part(answer, (list) => list.items.length ? wide("Backups",
    el("thead", {}, el("tr", {}, ["Name", "Phase", "Size", "Age", "Restorable"].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, list.items.map((b) => el("tr", {},
      el("td", {}, b.name), el("td", {}, b.phase, b.reason ? el("span", { class: "muted" }, ` ${b.reason}`) : null),
      el("td", {}, size(b.sizeBytes)), el("td", {}, age(b.createdAt)),
      el("td", {}, b.verified ? `${b.verified.result}${b.verified.reason ? ` (${b.verified.reason})` : ""} ${age(b.verified.at)} ago` : "not checked yet")))))
    : el("p", { class: "muted" }, "none yet"))];
}

function auditSection(answer) {
  return [el("h2", {}, "Audit trail"), part(answer, (audit) => {
    const chain = audit.chain;
    const anchor = chain && chain.anchor.state === "checked" ? `; compared with the platform's anchor through record ${chain.anchor.through}`
      : chain && chain.anchor.state === "notReadable" ? "; the platform's anchor is not readable with your account" : "";
    const badge = !chain ? null : chain.broken
      ? el("p", { class: "badge bad", role: "status" }, `✗ Chain broken: ${chain.broken}`)
      : el("p", { class: "badge ok", role: "status" }, `✓ Chain verified: ${chain.records} records in namespace ${chain.namespace}${anchor}`);
    const records = audit.records.slice().reverse();
    return [badge, records.length ? wide("Audit records",
      el("thead", {}, el("tr", {}, ["#", "Age", "Action", "Outcome", "User", "Details"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, records.map((r) => el("tr", {},
        el("td", {}, r.sequence), el("td", {}, age(r.time)), el("td", {}, r.action), el("td", {}, r.outcome),
        el("td", {}, r.user), el("td", {}, r.details)))))
      : el("p", { class: "muted" }, "no records (is the admission webhook installed?)")];
  })];
}

function drawStore(store, state, c) {
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
    store.phase === "Deleting" ? null : actions(store, state, c),
    store.adminSecretRef ? credentialsSection(state, c) : null,
    quotaSection(state.parts.quota),
    el("h2", {}, "Conditions"),
    wide("Conditions",
      el("thead", {}, el("tr", {}, ["Type", "Status", "Reason", "Age", "Message"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, store.conditions.map((c) => el("tr", {},
        el("td", {}, c.type), el("td", {}, c.status), el("td", {}, c.reason),
        el("td", {}, age(c.lastTransitionTime)), el("td", {}, c.message))))),
    store.steps && store.steps.length ? [el("h2", {}, "Provisioning"), timeline(store.steps)] : null,
    backupsSection(state.parts.backups),
    auditSection(state.parts.audit),
    el("h2", {}, "Events"),
    store.events.length ? wide("Events",
      el("thead", {}, el("tr", {}, ["Type", "Reason", "Age", "Message"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, store.events.map((e) => el("tr", {},
        el("td", {}, e.type), el("td", {}, e.reason), el("td", {}, age(e.lastSeen)), el("td", {}, e.message)))))
      : el("p", { class: "muted" }, "none"),
    deletion(store, c));
}

/** Counts the pages shown: a page's late answers and timers check it is still the one on show. */
let pagesShown = 0;

async function route() {
  pagesShown += 1;
  live.onFleet = null;
  live.onReconnect = null;
  const parts = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  try {
    if (parts[0] === "store" && parts.length === 3) await storePage(parts[1], parts[2]);
    else if (parts[0] === "new") {
      await newStorePage();
      return; // the focus is on its first field
    } else await fleetPage();
  } catch (error) {
    failure(error);
  }
  main().focus();
}

window.addEventListener("hashchange", route);
follow();
route();
