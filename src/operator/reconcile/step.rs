//! What a provisioning step is and how it stands: the vocabulary every
//! layer of the reconcile shares (the steps report a `StepState`, the status
//! turns them into conditions, what a step observes is read into one).

/// The provisioning steps, in order; condition types are their names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Namespace,
    Guardrails,
    Secrets,
    Database,
    WordPress,
    Setup,
    Ingress,
}

impl Step {
    pub const ALL: [Step; 7] = [
        Step::Namespace,
        Step::Guardrails,
        Step::Secrets,
        Step::Database,
        Step::WordPress,
        Step::Setup,
        Step::Ingress,
    ];

    /// Its condition type, from the API's one list of step names.
    pub fn as_str(self) -> &'static str {
        crate::api::conditions::STEPS[self as usize]
    }
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How one provisioning step stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepState {
    Done {
        reason: String,
        message: String,
    },
    Waiting {
        reason: String,
        message: String,
    },
    /// Will not get better by waiting: needs a spec change, a retry or a person.
    Failed {
        reason: String,
        message: String,
    },
}

impl StepState {
    pub fn done(reason: &str, message: impl Into<String>) -> Self {
        StepState::Done {
            reason: reason.into(),
            message: message.into(),
        }
    }
    pub fn waiting(reason: &str, message: impl Into<String>) -> Self {
        StepState::Waiting {
            reason: reason.into(),
            message: message.into(),
        }
    }
    pub fn failed(reason: &str, message: impl Into<String>) -> Self {
        StepState::Failed {
            reason: reason.into(),
            message: message.into(),
        }
    }
    pub fn is_done(&self) -> bool {
        matches!(self, StepState::Done { .. })
    }
    pub fn reason(&self) -> &str {
        self.parts().1
    }
    pub(super) fn parts(&self) -> (&'static str, &str, &str) {
        match self {
            StepState::Done { reason, message } => ("True", reason, message),
            StepState::Waiting { reason, message } | StepState::Failed { reason, message } => {
                ("False", reason, message)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_cli_waits_on_the_conditions_of_every_step() {
        let names: Vec<&str> = super::Step::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(names, crate::api::conditions::STEPS);
    }
}
