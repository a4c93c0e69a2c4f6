//! The store's one error type: every variant says what went wrong and what a
//! person can do about it.

use std::fmt;
use std::path::{Path, PathBuf};

/// Errors of the event log.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing a file of the store failed.
    #[error("I/O error on {}: {source}{}", path.display(), io_remedy(source))]
    Io {
        /// The file or directory the operation was on.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// Another process (or another `Store` in this process) has the directory open.
    #[error(
        "the data directory {} is in use by another strata process (only one process may open it); \
         stop it or use another --data directory",
        path.display()
    )]
    Locked {
        /// The data directory.
        path: PathBuf,
    },
    /// The directory holds something other than a strata store.
    #[error(
        "the data directory {} is not a strata store ({reason}); \
         point --data at a strata store, or at an empty or missing directory to create one",
        path.display()
    )]
    Foreign {
        /// The data directory.
        path: PathBuf,
        /// What was found there instead.
        reason: String,
    },
    /// The store was written by a newer strata whose format this build cannot read.
    #[error(
        "the data directory {} was written by a newer strata (format {found}); \
         this build reads format {supported}: upgrade strata",
        path.display()
    )]
    NewerFormat {
        /// The data directory.
        path: PathBuf,
        /// The format the store declares.
        found: String,
        /// The format this build reads.
        supported: String,
    },
    /// Stored bytes cannot be read back: a damaged file, a gap in the log.
    #[error("{}", Corrupt(path.as_deref(), what))]
    Corruption {
        /// The data directory, for a disk store.
        path: Option<PathBuf>,
        /// What is damaged.
        what: String,
    },
    /// A batch does not continue the log (another writer appended first).
    #[error(
        "the batch does not continue the log: the next position is {expected}, but the batch has {actual} \
         (another writer may have appended first; re-read the head and retry)"
    )]
    Conflict {
        /// The position the batch had to have.
        expected: u64,
        /// The position it had.
        actual: u64,
    },
    /// The JetStream stream holding the log cannot be reached, or cannot
    /// take a write (it lost its quorum): nothing was acknowledged.
    #[error(
        "the log's stream {stream} on {servers} is unavailable: {reason}; nothing was stored: \
         retry once the NATS servers are back (reads go on from what this node has)"
    )]
    Unavailable {
        /// The stream's name.
        stream: String,
        /// The servers, as given.
        servers: String,
        /// What failed.
        reason: String,
    },
    /// The stream moved on past this node's copy of the log (another node
    /// wrote first): catch up and check the batch again.
    #[error("the log's stream has moved on (to position {position} at least); catch up and retry")]
    Behind {
        /// The last position the stream is known to have (0 if unknown).
        position: u64,
    },
    /// Any other refusal, with its reason.
    #[error("{0}")]
    Other(String),
}

/// What a person can do about the I/O errors a data directory commonly
/// meets, so that the message says more than the operating system does.
fn io_remedy(e: &std::io::Error) -> &'static str {
    match e.kind() {
        std::io::ErrorKind::StorageFull => {
            "; the disk is full: free space on it (nothing unacknowledged was kept) and retry"
        }
        std::io::ErrorKind::ReadOnlyFilesystem => {
            "; strata writes to its data directory even to read it: mount it read-write, or copy it to writable storage"
        }
        std::io::ErrorKind::PermissionDenied => "; give this user read and write access to the data directory",
        _ => "",
    }
}

/// Displays a corruption with the one remedy strata offers.
struct Corrupt<'a>(Option<&'a Path>, &'a String);

impl fmt::Display for Corrupt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(p) => write!(f, "the store in {} is damaged: {}", p.display(), self.1)?,
            None => write!(f, "the store is damaged: {}", self.1)?,
        }
        f.write_str("; restore it from an export (`strata import` of an NDJSON export into a new --data directory)")
    }
}

impl Error {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Error {
        Error::Io { path: path.to_path_buf(), source }
    }

    pub(crate) fn corrupt(path: Option<&Path>, what: impl Into<String>) -> Error {
        Error::Corruption { path: path.map(Path::to_path_buf), what: what.into() }
    }
}
