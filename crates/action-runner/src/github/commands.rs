//! Workflow commands (`::error title=…::message`) and their escaping, byte for byte as
//! actions/toolkit's `command.ts` writes them. The runner reads a command only at the start of a
//! line, so escaping the data's line breaks is what keeps server text from issuing commands.

use std::fmt;

/// Escapes a command's message as toolkit's `escapeData` does (`%`, `\r`, `\n`), and shows
/// invisible reordering characters as U+FFFD.
pub fn escape_data(s: &str) -> String {
    // Invisible reordering characters (Trojan Source) never reach the log raw, whoever sent them.
    let s: String = s
        .chars()
        .map(|c| {
            if probe_core::text::is_invisible_format(c) {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect();
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A value (a path the user gave) for a plain log line, not a command: control characters and
/// invisible reordering characters shown as U+FFFD, so the value can never end the line and start
/// another that the runner would read as a command. Unlike [`escape_data`], a `%` stays as it is:
/// the runner unescapes commands only.
pub fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() || probe_core::text::is_invisible_format(c) {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
}

/// Escapes a property value as toolkit's `escapeProperty` does: `escapeData` plus `:` and `,`.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// One workflow command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    name: &'static str,
    properties: Vec<(&'static str, String)>,
    message: String,
}

impl Command {
    /// A command with a message and no properties.
    pub fn new(name: &'static str, message: impl Into<String>) -> Self {
        Self {
            name,
            properties: Vec::new(),
            message: message.into(),
        }
    }

    /// `::error::` (fails nothing by itself; shown as an error annotation).
    pub fn error(message: impl Into<String>) -> Self {
        Self::new("error", message)
    }

    /// `::warning::`.
    pub fn warning(message: impl Into<String>) -> Self {
        Self::new("warning", message)
    }

    /// `::notice::`.
    pub fn notice(message: impl Into<String>) -> Self {
        Self::new("notice", message)
    }

    /// `::add-mask::`: the runner replaces this value with `***` in the log from then on. It
    /// masks one line: a multi-line secret needs one command per line.
    pub fn add_mask(value: impl Into<String>) -> Self {
        Self::new("add-mask", value)
    }

    /// Adds a property; an empty value is left out, as toolkit does.
    pub fn property(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.properties.push((key, value.into()));
        self
    }

    /// The command's name (`error`, `add-mask`, …).
    pub fn name(&self) -> &'static str {
        self.name
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "::{}", self.name)?;
        let mut first = true;
        for (key, value) in self.properties.iter().filter(|(_, v)| !v.is_empty()) {
            f.write_str(if first { " " } else { "," })?;
            first = false;
            write!(f, "{key}={}", escape_property(value))?;
        }
        write!(f, "::{}", escape_data(&self.message))
    }
}

/// Lines between `::stop-commands::TOKEN` and `::TOKEN::` are never read as commands: the way to
/// print text that may hold anything (the text report quotes servers).
#[derive(Debug)]
pub struct StopCommands {
    token: String,
}

impl StopCommands {
    /// A fresh random token (it must not occur in the text printed while stopped).
    pub fn new() -> std::io::Result<Self> {
        Ok(Self {
            token: format!("mtls-scan-{}", super::random::random_hex(16)?),
        })
    }

    /// The line that stops command processing.
    pub fn stop(&self) -> String {
        format!("::stop-commands::{}", self.token)
    }

    /// The line that resumes it.
    pub fn resume(&self) -> String {
        format!("::{}::", self.token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_toolkit() {
        // The cases of actions/toolkit's packages/core/__tests__/command.test.ts.
        assert_eq!(
            escape_data("percent % percent % cr \r cr \r lf \n lf \n"),
            "percent %25 percent %25 cr %0D cr %0D lf %0A lf %0A"
        );
        assert_eq!(escape_data("%25 %0D %0A"), "%2525 %250D %250A");
        assert_eq!(
            escape_property("prop1 %\r\n:, end"),
            "prop1 %25%0D%0A%3A%2C end"
        );
        assert_eq!(escape_data("a:b,c"), "a:b,c");
        // Trojan Source: shown, never raw in the log.
        assert_eq!(escape_data("x\u{202E}y\u{200B}"), "x\u{FFFD}y\u{FFFD}");
    }

    #[test]
    fn one_line_values_cannot_start_a_command() {
        assert_eq!(
            one_line("x\n::warning::y\r\t100%.sarif"),
            "x\u{FFFD}::warning::y\u{FFFD}\u{FFFD}100%.sarif"
        );
    }

    #[test]
    fn formats_commands() {
        assert_eq!(
            Command::error("some message").to_string(),
            "::error::some message"
        );
        assert_eq!(
            Command::warning("msg\n::error::x")
                .property("title", "t: a,b")
                .property("file", "")
                .to_string(),
            "::warning title=t%3A a%2Cb::msg%0A::error::x"
        );
        assert_eq!(
            Command::notice("m")
                .property("title", "a")
                .property("line", "1")
                .to_string(),
            "::notice title=a,line=1::m"
        );
        assert_eq!(Command::add_mask("abc%").to_string(), "::add-mask::abc%25");
    }

    #[test]
    fn stop_tokens_are_random() {
        let (a, b) = (StopCommands::new(), StopCommands::new());
        assert!(
            matches!((&a, &b), (Ok(a), Ok(b)) if a.token != b.token && a.stop().ends_with(&a.token))
        );
    }
}
