//! The one confirmation prompt before gold changes anything. It only ever asks a person at a
//! terminal; scripts and CI must say `--yes`, so a missing flag can never hang a pipeline.
//!
//! The answer is read on a thread of its own while the prompt also listens for Ctrl-C, so
//! Ctrl-C at the prompt ends the command at once (exit 130, nothing changed) instead of waiting
//! for Enter. The reading thread is left blocked on the terminal; the process ends with it.

use std::io::{BufRead, IsTerminal, Write};

use crate::Error;

/// Asks `question` on the terminal; `--yes` answers for the user; no terminal and no `--yes`
/// refuses; Ctrl-C is [`Error::Interrupted`], before anything changed.
pub async fn confirm(yes: bool, question: &str) -> Result<bool, Error> {
    if yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        return Err(Error::Usage {
            message: "refusing to make changes without confirmation: stdin is not a terminal"
                .to_owned(),
            hint: Some("review the plan above, then run again with `--yes`".to_owned()),
        });
    }
    // Listening (the first poll installs the handler) before the question is shown: a Ctrl-C
    // right after it is not lost, nor does it kill the process before gold can say so.
    let mut ctrl_c = Box::pin(tokio::signal::ctrl_c());
    if futures::FutureExt::now_or_never(&mut ctrl_c).is_some() {
        return Err(Error::interrupted_before_changes());
    }
    {
        let mut stderr = std::io::stderr().lock();
        let _ = write!(stderr, "{question} [y/N] ");
        let _ = stderr.flush();
    }
    let mut unanswered = Unanswered(true);
    let (tell, answer) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let read = std::io::stdin().lock().read_line(&mut line).map(|_| line);
        let _ = tell.send(read);
    });
    tokio::select! {
        answer = answer => {
            // Enter ended the line on the terminal.
            unanswered.0 = false;
            let answer = answer
                .unwrap_or_else(|_| Ok(String::new()))
                .map_err(|source| Error::Io {
                    action: "cannot read the answer from",
                    path: "stdin".into(),
                    source,
                })?;
            Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "Yes" | "YES"))
        }
        _ = ctrl_c => Err(Error::interrupted_before_changes()),
    }
}

/// While the question waits for its answer; when it never comes (Ctrl-C, here or in the
/// command around the prompt), ends the question's line so what follows starts on its own.
struct Unanswered(bool);

impl Drop for Unanswered {
    fn drop(&mut self) {
        if self.0 {
            let _ = writeln!(std::io::stderr().lock());
        }
    }
}
