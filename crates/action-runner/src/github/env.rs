//! The runner's environment, captured once: its variables (`GITHUB_*`) and the Action's inputs.
//!
//! A Docker or JavaScript action gets each input as `INPUT_<NAME>`, the name upper-cased with its
//! hyphens kept (`INPUT_API-URL`). A composite action sets its steps' environment itself, and
//! shells want names without hyphens, so the same input is also read as `INPUT_API_URL`. The
//! runner's spelling wins when both are set.

use std::collections::BTreeMap;

/// The process environment. Deliberately not `Debug`: it holds secrets.
#[derive(Clone, Default)]
pub struct Env(BTreeMap<String, String>);

impl Env {
    /// The current process's environment (variables that are not UTF-8 are left out).
    pub fn from_process() -> Self {
        Self(
            std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
        )
    }

    /// A variable, when set and not empty.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// An input as toolkit's `getInput` reads it, trimmed; `None` when unset or blank under both
    /// spellings ([`input_vars`]).
    pub fn input(&self, name: &str) -> Option<&str> {
        self.raw_inputs(name).map(str::trim).find(|v| !v.is_empty())
    }

    /// An input untrimmed: the first spelling that holds more than blanks, else the first set.
    pub fn raw_input(&self, name: &str) -> Option<&str> {
        self.raw_inputs(name)
            .find(|v| !v.trim().is_empty())
            .or_else(|| self.raw_inputs(name).next())
    }

    /// Every value an input is set to, under each of its spellings (for masking a secret as
    /// given, wherever it was given).
    pub fn raw_inputs<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a str> {
        input_vars(name)
            .into_iter()
            .filter_map(|var| self.0.get(&var).map(String::as_str))
    }
}

impl FromIterator<(String, String)> for Env {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

/// The environment variable the runner sets for an input: `INPUT_` + the name with spaces as
/// `_`, upper-cased, hyphens kept (`api-url` → `INPUT_API-URL`).
pub fn input_var(name: &str) -> String {
    format!("INPUT_{}", name.replace(' ', "_").to_uppercase())
}

/// Every variable an input is read from, the runner's first: `INPUT_API-URL`, then
/// `INPUT_API_URL` (one of them for a name without hyphens).
pub fn input_vars(name: &str) -> Vec<String> {
    let runner = input_var(name);
    let underscored = runner.replace('-', "_");
    if underscored == runner {
        vec![runner]
    } else {
        vec![runner, underscored]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn input_names_keep_hyphens() {
        assert_eq!(input_var("api-url"), "INPUT_API-URL");
        assert_eq!(input_var("fail under"), "INPUT_FAIL_UNDER");
        let e = env(&[("INPUT_FAIL-UNDER", "  b \n")]);
        assert_eq!(e.input("fail-under"), Some("b"));
        assert_eq!(e.input("timeout"), None);
    }

    #[test]
    fn inputs_are_also_read_with_underscores() {
        assert_eq!(input_vars("api-url"), ["INPUT_API-URL", "INPUT_API_URL"]);
        assert_eq!(input_vars("timeout"), ["INPUT_TIMEOUT"]);
        let composite = env(&[
            ("INPUT_API_URL", "https://a.example"),
            ("INPUT_FAIL_ON_INCOMPLETE", "false"),
        ]);
        assert_eq!(composite.input("api-url"), Some("https://a.example"));
        assert_eq!(composite.input("fail-on-incomplete"), Some("false"));
        let both = env(&[
            ("INPUT_FAIL-UNDER", "B"),
            ("INPUT_FAIL_UNDER", "D"),
            ("INPUT_CLIENT-KEY", " "),
            ("INPUT_CLIENT_KEY", "k1\nk2"),
        ]);
        assert_eq!(
            both.input("fail-under"),
            Some("B"),
            "the runner's spelling wins"
        );
        assert_eq!(
            both.input("client-key"),
            Some("k1\nk2"),
            "a blank spelling does not hide the other"
        );
        assert_eq!(both.raw_inputs("client-key").count(), 2);
        assert_eq!(both.raw_input("client-key"), Some("k1\nk2"));
    }
}
