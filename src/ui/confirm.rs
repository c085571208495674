//! The one confirmation prompt before gold changes anything. It only ever asks a person at a
//! terminal; scripts and CI must say `--yes`, so a missing flag can never hang a pipeline.

use std::io::{BufRead, IsTerminal, Write};

use crate::Error;

/// Asks `question` on the terminal; `--yes` answers for the user; no terminal and no `--yes` refuses.
pub fn confirm(yes: bool, question: &str) -> Result<bool, Error> {
    if yes {
        return Ok(true);
    }
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(Error::Usage {
            message: "refusing to make changes without confirmation: stdin is not a terminal"
                .to_owned(),
            hint: Some("review the plan above, then run again with `--yes`".to_owned()),
        });
    }
    let mut stderr = std::io::stderr().lock();
    let _ = write!(stderr, "{question} [y/N] ");
    let _ = stderr.flush();
    let mut answer = String::new();
    stdin
        .lock()
        .read_line(&mut answer)
        .map_err(|source| Error::Io {
            action: "cannot read the answer from",
            path: "stdin".into(),
            source,
        })?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "Yes" | "YES"))
}
