//! Connecting to the stream's servers, waiting for a cluster that is still
//! electing its leader, and creating or checking the stream itself.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_nats::jetstream::{self, stream};
use bytes::Bytes;
use parking_lot::Mutex;

use super::{run, unavailable, Incoming, JetStreamConfig, Remote, Status, FORMAT_KEY, OPEN_PATIENCE, STREAM_FORMAT};
use crate::Error;

impl Remote {
    /// Connects, creates the stream if it is missing, and starts following
    /// it from `from` (a position).
    pub(crate) fn connect(config: &JetStreamConfig) -> Result<Remote, Error> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("strata-nats")
            .enable_all()
            .build()
            .map_err(|e| Error::Other(format!("cannot start the NATS client's threads: {e}")))?;
        let addrs = config
            .urls
            .iter()
            .map(|u| u.parse::<async_nats::ServerAddr>().map_err(|e| Error::Other(format!("--log {u}: {e}"))))
            .collect::<Result<Vec<_>, _>>()?;
        if addrs.is_empty() {
            return Err(Error::Other("--log names no server".into()));
        }
        let timeout = config.timeout;
        let patience = timeout * OPEN_PATIENCE;
        let cfg = config.clone();
        let (client, js) = run(runtime.handle(), config, patience + timeout * 2, async move {
            // Servers just started (the README's recipe starts them a
            // moment before the first import) refuse connections, then
            // answer JetStream requests only once their cluster has
            // elected a leader: wait for that, saying so, up to `patience`.
            let started = Instant::now();
            let mut said = false;
            loop {
                let tried = async {
                    let client = async_nats::ConnectOptions::new()
                        .connection_timeout(timeout)
                        .request_timeout(Some(timeout))
                        .connect(addrs.clone())
                        .await
                        .map_err(|e| unavailable(&cfg, format!("cannot connect: {e}")))?;
                    let mut js = jetstream::new(client.clone());
                    js.set_timeout(timeout);
                    ensure_stream(&js, &cfg).await?;
                    Ok((client, js))
                }
                .await;
                match tried {
                    Err(Error::Unavailable { stream, servers, reason }) if started.elapsed() < patience => {
                        if !said {
                            tracing::info!(%stream, %servers, %reason, "waiting for the log's stream to answer");
                            said = true;
                        }
                        tokio::time::sleep(Duration::from_millis(250)).await;
                    }
                    Err(Error::Unavailable { stream, servers, reason }) if said => {
                        let waited = started.elapsed().as_secs();
                        return Err(Error::Unavailable {
                            stream,
                            servers,
                            reason: format!("{reason} (waited {waited} s)"),
                        });
                    }
                    other => return other,
                }
            }
        })?;
        // Nothing follows the stream yet: `follow_from` starts that.
        let (_tx, incoming) = Incoming::channel();
        Ok(Remote {
            runtime: Some(runtime),
            client,
            js,
            config: config.clone(),
            incoming: Mutex::new(incoming),
            status: Arc::new(Status::default()),
        })
    }

    /// The stream's last sequence, asked of the stream.
    pub(crate) fn last_sequence(&self) -> Result<u64, Error> {
        let js = self.js.clone();
        let cfg = self.config.clone();
        let last = run(self.handle()?, &self.config, self.config.timeout, async move {
            let mut s = js.get_stream(&cfg.stream).await.map_err(|e| unavailable(&cfg, e.to_string()))?;
            let info = s.info().await.map_err(|e| unavailable(&cfg, e.to_string()))?;
            Ok(info.state.last_sequence)
        })?;
        self.status.stream_last.fetch_max(last, Ordering::Relaxed);
        Ok(last)
    }

    /// The payload of the message at `sequence`, asked of the stream's
    /// leader; `None` if the stream holds no such message.
    pub(crate) fn message_at(&self, sequence: u64) -> Result<Option<Bytes>, Error> {
        let js = self.js.clone();
        let cfg = self.config.clone();
        run(self.handle()?, &self.config, self.config.timeout, async move {
            let s = js.get_stream(&cfg.stream).await.map_err(|e| unavailable(&cfg, e.to_string()))?;
            match s.get_raw_message(sequence).await {
                Ok(m) => Ok(Some(m.payload)),
                Err(e) if matches!(e.kind(), stream::LastRawMessageErrorKind::NoMessageFound) => Ok(None),
                Err(e) => Err(unavailable(&cfg, format!("reading the message at sequence {sequence}: {e}"))),
            }
        })
    }
}

/// Creates the stream if it is missing; checks that it can hold strata's log.
async fn ensure_stream(js: &jetstream::Context, cfg: &JetStreamConfig) -> Result<(), Error> {
    let wanted = stream::Config {
        name: cfg.stream.clone(),
        subjects: vec![cfg.subject()],
        num_replicas: cfg.replicas.max(1),
        allow_atomic_publish: true,
        deny_delete: true,
        deny_purge: true,
        allow_direct: true,
        storage: stream::StorageType::File,
        duplicate_window: Duration::from_secs(120),
        metadata: [(FORMAT_KEY.to_owned(), STREAM_FORMAT.to_owned())].into_iter().collect(),
        ..Default::default()
    };
    let mut stream = js.get_or_create_stream(wanted).await.map_err(|e| unavailable(cfg, e.to_string()))?;
    let info = stream.info().await.map_err(|e| unavailable(cfg, e.to_string()))?;
    let subject = cfg.subject();
    if !info.config.subjects.contains(&subject) || info.config.subjects.len() != 1 {
        return Err(Error::Other(format!(
            "the stream {} exists but holds other subjects ({}); strata needs a stream of its own (subject {subject})",
            cfg.stream,
            info.config.subjects.join(", ")
        )));
    }
    if !info.config.allow_atomic_publish {
        return Err(Error::Other(format!(
            "the stream {} does not allow atomic batch publish (allow_atomic); strata needs it (nats-server 2.12 or later)",
            cfg.stream
        )));
    }
    let format = info.config.metadata.get(FORMAT_KEY).map(String::as_str);
    if format != Some(STREAM_FORMAT) && (info.state.messages > 0 || format.is_some()) {
        return Err(Error::Other(format!(
            "the stream {} holds messages in the layout {}, which this build does not read (it writes {STREAM_FORMAT}); \
             export the log with the strata that wrote it and import the export into a new stream (--stream NAME)",
            cfg.stream,
            format.unwrap_or("of one event per message (strata-stream/1)")
        )));
    }
    if info.state.messages > 0 && info.state.first_sequence != 1 {
        return Err(Error::Other(format!(
            "the stream {} starts at sequence {}, not 1: messages were removed, and the log must be gapless",
            cfg.stream, info.state.first_sequence
        )));
    }
    Ok(())
}
