//! How each command model looks as a table and as names.

use std::io::{self, Write};

use super::{Render, age, table};
use crate::api::Store;
use crate::commands::audit::{AuditTrail, Verification};
use crate::commands::install::InstallOutcome;
use crate::commands::quota::{QuotaView, used_of};
use crate::commands::store::{
    BackupList, BackupView, CheckOutcome, CreateOutcome, Credentials, DeleteOutcome, ReportOutcome,
    RestoreView, StepView, StoreDetails, StoreList, StoreSummary, UpdateOutcome,
};
use crate::commands::version::VersionInfo;

const KIND: &str = "store.nexus.dev";

impl Render for StoreList {
    fn write_table(&self, out: &mut dyn Write, wide: bool) -> io::Result<()> {
        if self.items.is_empty() {
            let place = match &self.scope {
                Some(ns) => format!("in namespace {ns:?}"),
                None => "in any namespace".into(),
            };
            // To stderr, like kubectl's "No resources found": stdout stays empty for scripts.
            super::note(&format!(
                "No stores found {place}.\nCreate one with: kubectl nexus store create NAME"
            ));
            return Ok(());
        }
        let all = self.scope.is_none();
        let mut headers = Vec::new();
        if all {
            headers.push("NAMESPACE");
        }
        headers.extend(["NAME", "PLAN", "PHASE", "URL", "AGE"]);
        if wide {
            headers.extend(["ENGINE", "REASON", "OWNER"]);
        }
        let mut t = table::new(&headers);
        for s in &self.items {
            let mut row = Vec::new();
            if all {
                row.push(s.namespace.clone());
            }
            row.extend([
                s.name.clone(),
                s.plan.to_string(),
                s.phase.to_string(),
                s.url.clone().unwrap_or_else(|| "-".into()),
                age(s.created_at.as_ref()),
            ]);
            if wide {
                row.extend([
                    "woocommerce".into(),
                    s.reason.clone().unwrap_or_else(|| "-".into()),
                    s.owner.clone().unwrap_or_else(|| "-".into()),
                ]);
            }
            t.add_row(row);
        }
        out.write_all(table::render(&t).as_bytes())
    }

    fn write_names(&self, out: &mut dyn Write) -> io::Result<()> {
        for s in &self.items {
            writeln!(out, "{KIND}/{}", s.name)?;
        }
        Ok(())
    }
}

impl Render for StoreSummary {
    fn write_table(&self, out: &mut dyn Write, wide: bool) -> io::Result<()> {
        let list = StoreList {
            items: vec![self.clone()],
            scope: Some(self.namespace.clone()),
        };
        list.write_table(out, wide)
    }

    fn write_names(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "{KIND}/{}", self.name)
    }
}

impl Render for StoreDetails {
    fn write_table(&self, out: &mut dyn Write, _wide: bool) -> io::Result<()> {
        let s = &self.summary;
        let dash = || "-".to_string();
        writeln!(out, "Name:             {}", s.name)?;
        writeln!(out, "Namespace:        {}", s.namespace)?;
        writeln!(out, "Engine:           woocommerce")?;
        writeln!(out, "Plan:             {}", s.plan)?;
        writeln!(out, "Phase:            {}", s.phase)?;
        writeln!(
            out,
            "URL:              {}",
            s.url.clone().unwrap_or_else(dash)
        )?;
        if let Some(domain) = &self.domain {
            writeln!(out, "Domain:           {domain}")?;
        }
        if let Some(email) = &self.admin_email {
            writeln!(out, "Admin email:      {email}")?;
        }
        if let Some(owner) = &s.owner {
            writeln!(out, "Owner:            {owner}")?;
        }
        if self.suspend {
            writeln!(out, "Suspended:        yes")?;
        }
        writeln!(out, "Store namespace:  {}", self.store_namespace)?;
        match &self.admin_secret_ref {
            Some(r) => writeln!(
                out,
                "Credentials:      secret {}/{} (kubectl nexus store credentials {})",
                r.namespace, r.name, s.name
            )?,
            None => writeln!(out, "Credentials:      not yet created")?,
        }
        writeln!(out, "Age:              {}", age(s.created_at.as_ref()))?;
        if let (Some(generation), Some(observed)) = (self.generation, self.observed_generation)
            && observed < generation
        {
            writeln!(
                out,
                "Note:             the operator has not yet seen the latest change (generation {generation}, observed {observed})"
            )?;
        }
        writeln!(out)?;
        if self.conditions.is_empty() {
            writeln!(
                out,
                "Conditions:       none yet: no operator has reported on this store (is the Nexus operator running?)"
            )?;
        } else {
            writeln!(out, "Conditions:")?;
            let mut t = table::new(&["TYPE", "STATUS", "REASON", "AGE", "MESSAGE"]);
            for c in &self.conditions {
                t.add_row([
                    c.type_.clone(),
                    c.status.clone(),
                    c.reason.clone(),
                    age(c.last_transition_time.as_ref()),
                    c.message.clone(),
                ]);
            }
            write_indented(out, &table::render(&t))?;
        }
        if let Some(interval) = &self.check_interval {
            writeln!(out, "Checks:           every {interval} (spec.check)")?;
        }
        if let Some(check) = &self.last_check {
            writeln!(out, "Last check:       {}", last_check(check))?;
        }
        if !self.steps.is_empty() {
            writeln!(out)?;
            writeln!(out, "Provisioning (the last one, step by step):")?;
            let now = k8s_openapi::jiff::Timestamp::now();
            let text = if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
                timeline_bars(&self.steps, now, 40)
            } else {
                timeline_columns(&self.steps, now)
            };
            write_indented(out, &text)?;
        }
        writeln!(out)?;
        if self.events.is_empty() {
            writeln!(out, "Events:           none")?;
        } else {
            writeln!(out, "Events:")?;
            let mut t = table::new(&["TYPE", "REASON", "AGE", "COUNT", "MESSAGE"]);
            for e in &self.events {
                t.add_row([
                    e.type_.clone(),
                    e.reason.clone(),
                    age(e.last_seen.as_ref()),
                    e.count.to_string(),
                    e.message.clone(),
                ]);
            }
            write_indented(out, &table::render(&t))?;
        }
        for warning in &self.warnings {
            writeln!(out, "Warning: {warning}")?;
        }
        Ok(())
    }

    fn write_names(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "{KIND}/{}", self.summary.name)
    }
}

/// Each step's start and end, seconds from the first step's start (a step
/// still running ends now).
fn step_spans(steps: &[StepView], now: k8s_openapi::jiff::Timestamp) -> Vec<(f64, f64)> {
    let Some(first) = steps.first() else {
        return Vec::new();
    };
    let from = |t: k8s_openapi::jiff::Timestamp| {
        (t.duration_since(first.started_at.0).as_millis() as f64 / 1000.0).max(0.0)
    };
    steps
        .iter()
        .map(|s| {
            let end = s.finished_at.as_ref().map_or(now, |f| f.0);
            (from(s.started_at.0), from(end))
        })
        .collect()
}

fn took(step: &StepView, span: (f64, f64)) -> String {
    match step.finished_at {
        Some(_) => format!("{:.1}s", span.1 - span.0),
        None => format!("{:.1}s, running", span.1 - span.0),
    }
}

/// The last check in one line: its result, when, and each step's time or
/// what went wrong.
fn last_check(check: &crate::api::StoreCheck) -> String {
    let when = age(Some(&check.finished_at));
    let failed = check.steps.iter().find(|s| !s.passed);
    match (check.passed, failed, &check.message) {
        (true, _, _) => {
            let steps: Vec<String> = check
                .steps
                .iter()
                .map(|s| format!("{} {:.0}ms", s.step, s.seconds * 1000.0))
                .collect();
            format!("passed {when} ago: {}", steps.join(", "))
        }
        (false, Some(step), _) => format!("failed {when} ago: {}", step.summary()),
        (false, None, message) => {
            let why = message.as_deref().unwrap_or("no report");
            match check.steps.is_empty() {
                true => format!("not run {when} ago: {why}"),
                false => format!("{} passed {when} ago; {why}", check.step_names()),
            }
        }
    }
}

/// The steps as bars on one time axis `width` characters wide.
fn timeline_bars(steps: &[StepView], now: k8s_openapi::jiff::Timestamp, width: usize) -> String {
    let spans = step_spans(steps, now);
    let total = spans.last().map_or(0.0, |s| s.1).max(0.001);
    let name_width = steps.iter().map(|s| s.step.len()).max().unwrap_or(0);
    let mut text = String::new();
    for (step, span) in steps.iter().zip(&spans) {
        let column = |t: f64| ((t / total) * width as f64).round() as usize;
        let start = column(span.0).min(width - 1);
        let length = column(span.1).saturating_sub(start).max(1);
        let bar = format!("{}{}", " ".repeat(start), "█".repeat(length));
        text.push_str(&format!(
            "{:name_width$}  |{bar:width$}| {}\n",
            step.step,
            took(step, *span)
        ));
    }
    text.push_str(&format!(
        "{:name_width$}   {:width$}  {total:.1}s in all\n",
        "", ""
    ));
    text
}

/// The steps as plain columns: when each started and ended, in seconds
/// from the first step's start, and how long it took.
fn timeline_columns(steps: &[StepView], now: k8s_openapi::jiff::Timestamp) -> String {
    let spans = step_spans(steps, now);
    let mut t = table::new(&["STEP", "FROM", "TO", "TOOK"]);
    for (step, span) in steps.iter().zip(&spans) {
        let to = match step.finished_at {
            Some(_) => format!("{:.1}s", span.1),
            None => "-".into(),
        };
        t.add_row([
            step.step.clone(),
            format!("{:.1}s", span.0),
            to,
            took(step, *span),
        ]);
    }
    table::render(&t)
}

fn write_indented(out: &mut dyn Write, text: &str) -> io::Result<()> {
    for line in text.lines() {
        writeln!(out, "  {line}")?;
    }
    Ok(())
}

impl Render for CreateOutcome {
    fn write_table(&self, out: &mut dyn Write, _wide: bool) -> io::Result<()> {
        match self {
            CreateOutcome::DryRun(store) => write_yaml(out, store),
            CreateOutcome::Created(s) if s.phase == crate::api::Phase::Ready => {
                writeln!(out, "{KIND}/{} is Ready", s.name)?;
                if let Some(url) = &s.url {
                    writeln!(out, "URL:          {url}")?;
                }
                writeln!(
                    out,
                    "Credentials:  kubectl nexus store credentials {} -n {}",
                    s.name, s.namespace
                )
            }
            CreateOutcome::Created(s) => {
                writeln!(
                    out,
                    "{KIND}/{} created in namespace {}",
                    s.name, s.namespace
                )?;
                writeln!(
                    out,
                    "Follow it with: kubectl nexus store get {} -n {}",
                    s.name, s.namespace
                )
            }
        }
    }

    fn write_names(&self, out: &mut dyn Write) -> io::Result<()> {
        let name = match self {
            CreateOutcome::DryRun(store) => store.metadata.name.clone().unwrap_or_default(),
            CreateOutcome::Created(s) => s.name.clone(),
        };
        writeln!(out, "{KIND}/{name}")
    }
}

impl serde::Serialize for CreateOutcome {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            CreateOutcome::DryRun(store) => store.serialize(serializer),
            CreateOutcome::Created(summary) => summary.serialize(serializer),
        }
    }
}

fn write_yaml(out: &mut dyn Write, store: &Store) -> io::Result<()> {
    let text = serde_yaml::to_string(store).map_err(io::Error::other)?;
    out.write_all(text.as_bytes())
}

impl Render for CheckOutcome {
    fn write_table(&self, out: &mut dyn Write, _wide: bool) -> io::Result<()> {
        let address = self.url.as_deref().unwrap_or("its address");
        if self.steps.is_empty() {
            let why = self.message.as_deref().unwrap_or("no report");
            return writeln!(out, "{KIND}/{} was not checked: {why}", self.store);
        }
        let mut t = table::new(&["STEP", "RESULT", "HTTP", "TOOK"]);
        for step in &self.steps {
            t.add_row(vec![
                step.step.clone(),
                if step.passed { "passed" } else { "FAILED" }.to_string(),
                step.http_status
                    .map_or_else(|| "-".to_string(), |s| s.to_string()),
                format!("{:.0}ms", step.seconds * 1000.0),
            ]);
        }
        out.write_all(table::render(&t).as_bytes())?;
        match self.steps.iter().find(|s| !s.passed) {
            None if !self.passed => {
                let why = self.message.as_deref().unwrap_or("no report");
                writeln!(
                    out,
                    "{KIND}/{} sells to a guest at {address} (shop, product, cart), but {why}",
                    self.store
                )
            }
            None => {
                let bought = self
                    .steps
                    .iter()
                    .any(|s| s.step == crate::shopper::CHECKOUT);
                let what = match bought {
                    true => {
                        "a product, a cart, and bought with Cash on Delivery (the order was removed)"
                    }
                    false => "a product, and a cart",
                };
                writeln!(
                    out,
                    "{KIND}/{} sells: a guest found the shop at {address}, {what}",
                    self.store
                )
            }
            Some(step) => {
                let said = step.message.as_deref().unwrap_or("failed");
                writeln!(out, "{KIND}/{} failed at {}: {said}", self.store, step.step)?;
                if let Some(excerpt) = &step.excerpt {
                    writeln!(out, "  the answer began: {excerpt}")?;
                }
                Ok(())
            }
        }
    }

    fn write_names(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "{KIND}/{}", self.store)
    }
}

impl Render for ReportOutcome {
    fn write_table(&self, out: &mut dyn Write, _wide: bool) -> io::Result<()> {
        writeln!(
            out,
            "Wrote {} ({} entries) about {KIND}/{}",
            self.file,
            self.entries.len(),
            self.store
        )?;
        if !self.left_out.is_empty() {
            writeln!(out, "Left out (also listed in its README.txt):")?;
            for line in &self.left_out {
                writeln!(out, "  {line}")?;
            }
        }
        Ok(())
    }

    fn write_names(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "{}", self.file)
    }
}

impl Render for UpdateOutcome {
    fn write_table(&self, out: &mut dyn Write, _wide: bool) -> io::Result<()> {
        let store = &self.store;
        let name = format!("{KIND}/{}", store.name);
        if self.changes.is_empty() {
            return writeln!(
                out,
                "{name} unchanged: it already is as asked ({})",
                store.phase
            );
        }
        if self.dry_run {
            writeln!(
                out,
                "{name}: a dry run; the API server and admission accept this change, and nothing was changed:"
            )?;
        } else {
            writeln!(out, "{name} changed:")?;
        }
        let shown = |value: &serde_json::Value| match value {
            serde_json::Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        for change in &self.changes {
            if let Some(from) = &change.from {
                writeln!(out, "- {}: {}", change.field, shown(from))?;
            }
            if let Some(to) = &change.to {
                writeln!(out, "+ {}: {}", change.field, shown(to))?;
            }
        }
        let will = if self.dry_run { "would" } else { "will" };
        writeln!(out, "The operator {will}:")?;
        for effect in &self.effects {
            writeln!(out, "  - {effect}")?;
        }
        if !self.dry_run {
            match store.phase {
                crate::api::Phase::Ready | crate::api::Phase::Suspended => {
                    writeln!(out, "{name} is {}", store.phase)?
                }
                _ => writeln!(
                    out,
                    "Follow it with: kubectl nexus store get {} -n {}",
                    store.name, store.namespace
                )?,
            }
        }
        Ok(())
    }

    fn write_names(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "{KIND}/{}", self.store.name)
    }
}

impl Render for DeleteOutcome {
    fn write_table(&self, out: &mut dyn Write, _wide: bool) -> io::Result<()> {
        if self.gone {
            writeln!(out, "{KIND}/{} deleted", self.name)
        } else {
            writeln!(
                out,
                "{KIND}/{} is being deleted: the operator removes its namespace and data first (add --wait to follow)",
                self.name
            )
        }
    }

    fn write_names(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "{KIND}/{}", self.name)
    }
}

impl Render for Credentials {
    fn write_table(&self, out: &mut dyn Write, _wide: bool) -> io::Result<()> {
        writeln!(out, "Store:     {}/{}", self.namespace, self.store)?;
        if let Some(url) = &self.login_url {
            writeln!(out, "Login:     {url}")?;
        }
        writeln!(out, "Username:  {}", self.username)?;
        writeln!(out, "Password:  {}", self.password)?;
        if let Some(email) = &self.email {
            writeln!(out, "Email:     {email}")?;
        }
        if let Some(saved) = &self.saved_to_keyring {
            writeln!(out, "Saved to the OS keyring ({saved}).")?;
        }
        Ok(())
    }

    fn write_names(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "{KIND}/{}", self.store)
    }
}

impl Render for VersionInfo {
    fn write_table(&self, out: &mut dyn Write, _wide: bool) -> io::Result<()> {
        writeln!(
            out,
            "Client Version: {} (commit {}, built {})",
            self.client_version, self.git_commit, self.build_date
        )?;
        match (&self.server_version, &self.server_error) {
            (Some(v), _) => writeln!(out, "Server Version: {v}"),
            (None, Some(e)) => writeln!(out, "Server Version: unavailable ({e})"),
            (None, None) => Ok(()),
        }
    }

    fn write_names(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "{}", self.client_version)
    }
}

impl Render for AuditTrail {
    fn write_table(&self, out: &mut dyn Write, wide: bool) -> io::Result<()> {
        if self.records.is_empty() {
            let place = match &self.scope {
                Some(ns) => format!("in namespace {ns:?}"),
                None => "in any namespace".into(),
            };
            super::note(&format!("No audit records found {place}."));
            return Ok(());
        }
        let all = self.scope.is_none();
        let mut headers = Vec::new();
        if all {
            headers.push("NAMESPACE");
        }
        headers.extend([
            "TIME", "SEQ", "STORE", "ACTION", "OUTCOME", "USER", "SOURCE",
        ]);
        if wide {
            headers.extend(["GROUPS", "USER-AGENT"]);
        }
        headers.push("DETAILS");
        let mut t = table::new(&headers);
        let dash = |text: &str| {
            if text.is_empty() {
                "-".to_string()
            } else {
                text.to_string()
            }
        };
        for r in &self.records {
            let mut row = Vec::new();
            if all {
                row.push(r.namespace.clone());
            }
            let source = match (r.source_ips.is_empty(), r.request) {
                (false, _) => r.source_ips.join(","),
                (true, true) => "unknown".into(),
                (true, false) => "-".into(),
            };
            row.extend([
                seconds(&r.time),
                r.sequence.to_string(),
                dash(&r.store),
                r.action.clone(),
                r.outcome.clone(),
                r.user.clone(),
                source,
            ]);
            if wide {
                row.extend([dash(&r.groups.join(",")), dash(&r.user_agent)]);
            }
            row.push(dash(&r.details));
            t.add_row(row);
        }
        let text = table::render(&t);
        let text = if self.headers {
            text.as_str()
        } else {
            text.split_once('\n').map_or("", |(_, rows)| rows)
        };
        out.write_all(text.as_bytes())
    }

    fn write_names(&self, out: &mut dyn Write) -> io::Result<()> {
        for r in &self.records {
            writeln!(out, "auditrecord.nexus.dev/{}", r.record)?;
        }
        Ok(())
    }
}

/// An RFC 3339 time to the second, for tables.
fn seconds(time: &str) -> String {
    match time.split_once('.') {
        Some((whole, _)) => format!("{whole}Z"),
        None => time.to_string(),
    }
}

impl Render for Verification {
    fn write_table(&self, out: &mut dyn Write, _wide: bool) -> io::Result<()> {
        let mut t = table::new(&["NAMESPACE", "RECORDS", "CHAIN", "ANCHOR"]);
        for c in &self.chains {
            let chain = match &c.broken {
                Some(broken) => format!("BROKEN at {broken}"),
                None => "intact".into(),
            };
            let anchor = c.anchor.to_string();
            t.add_row(vec![
                c.namespace.clone(),
                c.records.to_string(),
                chain,
                anchor,
            ]);
        }
        out.write_all(table::render(&t).as_bytes())
    }

    fn write_names(&self, out: &mut dyn Write) -> io::Result<()> {
        for c in &self.chains {
            writeln!(out, "namespace/{}", c.namespace)?;
        }
        Ok(())
    }
}

impl Render for QuotaView {
    fn write_table(&self, out: &mut dyn Write, _wide: bool) -> io::Result<()> {
        let r = &self.report;
        let mut t = table::new(&["SCOPE", "RESOURCE", "USED", "LIMIT", "NOTE"]);
        let user = format!("user {}", r.user);
        let namespace = format!("namespace {}", self.namespace);
        let (used, limit) = used_of(&r.stores);
        t.add_row(vec![
            user.clone(),
            "stores".into(),
            used,
            limit,
            String::new(),
        ]);
        let (used, limit) = used_of(&r.creations);
        let note = match &r.next_creation_at {
            Some(at) => format!("next creation allowed at {at}"),
            None => String::new(),
        };
        t.add_row(vec![
            user.clone(),
            format!("creations per {}", r.window),
            used,
            limit,
            note,
        ]);
        let plans = match &r.allowed_plans {
            Some(plans) => plans
                .iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join(","),
            None => "any".into(),
        };
        t.add_row(vec![user, "plans".into(), "-".into(), plans, String::new()]);
        let (used, limit) = used_of(&r.namespace_stores);
        t.add_row(vec![
            namespace.clone(),
            "stores".into(),
            used,
            limit,
            format!("StorePolicy {}", r.policy),
        ]);
        for line in &self.namespace_quotas {
            t.add_row(vec![
                namespace.clone(),
                line.resource.clone(),
                line.used.clone(),
                line.hard.clone(),
                format!("ResourceQuota {}", line.quota),
            ]);
        }
        if let Some(store) = &self.store {
            for line in &store.lines {
                t.add_row(vec![
                    format!("store {}", store.name),
                    line.resource.clone(),
                    line.used.clone(),
                    line.hard.clone(),
                    format!("ResourceQuota {}", line.quota),
                ]);
            }
        }
        out.write_all(table::render(&t).as_bytes())
    }

    fn write_names(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "user/{}", self.report.user)
    }
}

impl Render for InstallOutcome {
    fn write_table(&self, out: &mut dyn Write, _wide: bool) -> io::Result<()> {
        let mut t = table::new(&["KIND", "NAMESPACE", "NAME", "RESULT"]);
        for o in &self.objects {
            let namespace = if o.namespace.is_empty() {
                "-".to_string()
            } else {
                o.namespace.clone()
            };
            t.add_row(vec![
                o.kind.clone(),
                namespace,
                o.name.clone(),
                o.result.clone(),
            ]);
        }
        out.write_all(table::render(&t).as_bytes())?;
        let egress = &self.store_egress;
        let shown = |cidrs: &[String]| {
            if cidrs.is_empty() {
                "none".to_string()
            } else {
                cidrs.join(", ")
            }
        };
        writeln!(
            out,
            "\nA store's egress to the internet (TCP 80 and 443) leaves out:"
        )?;
        writeln!(
            out,
            "  cluster ranges (--cluster-cidrs):       {}",
            shown(&egress.cluster_cidrs)
        )?;
        writeln!(
            out,
            "  metadata ranges (--egress-deny-cidrs):  {}",
            shown(&egress.deny_cidrs)
        )?;
        writeln!(
            out,
            "  the API server's endpoints (followed):  {}",
            shown(&egress.api_server)
        )?;
        writeln!(
            out,
            "  the nodes' InternalIPs (followed):      {}",
            shown(&egress.nodes)
        )?;
        if let Some(unread) = &egress.unread {
            writeln!(
                out,
                "  (could not read {unread}; the operator reads them itself)"
            )?;
        }
        Ok(())
    }

    fn write_names(&self, out: &mut dyn Write) -> io::Result<()> {
        for o in &self.objects {
            writeln!(out, "{}/{}", o.kind.to_lowercase(), o.name)?;
        }
        Ok(())
    }
}

const BACKUP_KIND: &str = "backup.nexus.dev";

/// Bytes in the largest unit that keeps a number above 1.
fn size(bytes: Option<u64>) -> String {
    let Some(bytes) = bytes else {
        return "-".into();
    };
    let units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < units.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", units[unit])
    }
}

fn rows(view: &BackupView) -> String {
    let count = |table: &str| view.rows.get(table).map(u64::to_string);
    match (count("wp_posts"), count("wp_wc_orders")) {
        (None, None) => "-".into(),
        (posts, orders) => format!(
            "{} posts, {} orders",
            posts.unwrap_or_else(|| "0".into()),
            orders.unwrap_or_else(|| "0".into())
        ),
    }
}

impl Render for BackupView {
    fn write_table(&self, out: &mut dyn Write, wide: bool) -> io::Result<()> {
        BackupList {
            store: self.store.clone(),
            namespace: self.namespace.clone(),
            items: vec![self.clone()],
        }
        .write_table(out, wide)
    }

    fn write_names(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "{BACKUP_KIND}/{}", self.name)
    }
}

const RESTORE_KIND: &str = "restore.nexus.dev";

impl Render for RestoreView {
    fn write_table(&self, out: &mut dyn Write, wide: bool) -> io::Result<()> {
        let mut headers = vec!["NAME", "STORE", "BACKUP", "PHASE", "AGE"];
        if wide {
            headers.extend(["REASON", "MESSAGE"]);
        }
        let mut t = table::new(&headers);
        let mut row = vec![
            self.name.clone(),
            self.store.clone(),
            self.backup.clone(),
            self.phase.clone(),
            age(self.created_at.as_ref()),
        ];
        if wide {
            row.extend([
                self.reason.clone().unwrap_or_else(|| "-".into()),
                self.message.clone().unwrap_or_else(|| "-".into()),
            ]);
        }
        t.add_row(row);
        writeln!(out, "{t}")
    }

    fn write_names(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "{RESTORE_KIND}/{}", self.name)
    }
}

impl Render for BackupList {
    fn write_table(&self, out: &mut dyn Write, wide: bool) -> io::Result<()> {
        if self.items.is_empty() {
            super::note(&format!(
                "No backups of store {:?} in namespace {:?}.\nTake one with: kubectl nexus store backup {}",
                self.store, self.namespace, self.store
            ));
            return Ok(());
        }
        let mut headers = vec!["NAME", "PHASE", "SIZE", "ROWS", "VERIFIED", "AGE"];
        if wide {
            headers.extend(["REASON", "MESSAGE"]);
        }
        let mut t = table::new(&headers);
        for b in &self.items {
            let verified = b
                .verified
                .as_ref()
                .map(|v| v.result.clone())
                .unwrap_or_else(|| "-".into());
            let mut row = vec![
                b.name.clone(),
                b.phase.clone(),
                size(b.size_bytes),
                rows(b),
                verified,
                age(b.created_at.as_ref()),
            ];
            if wide {
                row.extend([
                    b.reason.clone().unwrap_or_else(|| "-".into()),
                    b.message.clone().unwrap_or_else(|| "-".into()),
                ]);
            }
            t.add_row(row);
        }
        writeln!(out, "{t}")
    }

    fn write_names(&self, out: &mut dyn Write) -> io::Result<()> {
        for b in &self.items {
            writeln!(out, "{BACKUP_KIND}/{}", b.name)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
    use k8s_openapi::jiff::Timestamp;

    fn step(name: &str, from: i64, to: Option<i64>) -> StepView {
        let at = |s: i64| Time(Timestamp::from_second(1_000 + s).unwrap());
        StepView::from(&crate::api::StepTiming {
            step: name.into(),
            started_at: at(from),
            finished_at: to.map(at),
        })
    }

    #[test]
    fn a_provisioning_is_drawn_as_bars_on_one_axis_or_listed_in_columns() {
        let steps = [
            step("Namespace", 0, Some(0)),
            step("Database", 0, Some(30)),
            step("Setup", 30, None),
        ];
        let now = Timestamp::from_second(1_040).unwrap();
        let bars = timeline_bars(&steps, now, 8);
        assert_eq!(
            bars,
            "Namespace  |█       | 0.0s\nDatabase   |██████  | 30.0s\nSetup      |      ██| 10.0s, running\n                      40.0s in all\n"
        );
        let columns = timeline_columns(&steps, now);
        let lines: Vec<&str> = columns.lines().collect();
        assert!(lines[0].starts_with("STEP"), "{columns}");
        assert!(lines[2].contains("Database") && lines[2].contains("30.0s"));
        assert!(lines[3].contains("10.0s, running") && lines[3].contains(" - "));
    }

    #[test]
    fn the_last_check_is_one_line_saying_how_each_step_went() {
        let step = |name: &str, passed: bool, message: Option<&str>| crate::api::CheckStep {
            step: name.into(),
            passed,
            seconds: 0.25,
            http_status: Some(200),
            message: message.map(str::to_string),
            excerpt: None,
        };
        let check = |passed, steps, message: Option<&str>| crate::api::StoreCheck {
            request: "r".into(),
            finished_at: Time(Timestamp::now()),
            passed,
            steps,
            message: message.map(str::to_string),
        };
        let passed = check(
            true,
            vec![step("home", true, None), step("checkout", true, None)],
            None,
        );
        assert!(last_check(&passed).starts_with("passed "));
        assert!(last_check(&passed).ends_with(" ago: home 250ms, checkout 250ms"));
        let failed = check(
            false,
            vec![
                step("home", true, None),
                step("product", false, Some("no product")),
            ],
            None,
        );
        assert!(last_check(&failed).ends_with(" ago: step product (HTTP 200): no product"));
        let untried = check(
            false,
            vec![step("home", true, None)],
            Some("the checkout was not tried: no check product"),
        );
        assert!(
            last_check(&untried).starts_with("home passed "),
            "{}",
            last_check(&untried)
        );
        assert!(
            last_check(&untried).ends_with(" ago; the checkout was not tried: no check product")
        );
        let not_run = check(false, Vec::new(), Some("the store is suspended"));
        assert!(last_check(&not_run).starts_with("not run "));
    }
}
