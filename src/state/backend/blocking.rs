//! A backend's own runtime, so the state's synchronous interface can call async SDK clients
//! from anywhere: from plain code, and from inside apply's runtime (where blocking on a future
//! directly would panic). The calling thread waits on a channel; a runtime worker thread that
//! waits is handed over with `block_in_place`, so the apply's other tasks keep running.

use std::future::Future;

pub struct Bridge {
    rt: Option<tokio::runtime::Runtime>,
}

impl Bridge {
    pub fn new() -> std::io::Result<Bridge> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("infra-backend")
            .enable_all()
            .build()?;
        Ok(Bridge { rt: Some(rt) })
    }

    pub fn handle(&self) -> &tokio::runtime::Handle {
        self.rt.as_ref().expect("runtime lives until drop").handle()
    }

    /// Runs `f` on the backend's runtime and waits for its result.
    pub fn run<F, T>(&self, f: F) -> T
    where
        F: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        let (tx, rx) = std::sync::mpsc::channel();
        self.handle().spawn(async move {
            let _ = tx.send(f.await);
        });
        let wait = move || {
            rx.recv()
                .expect("the backend's task ended without an answer")
        };
        match tokio::runtime::Handle::try_current() {
            Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
                tokio::task::block_in_place(wait)
            }
            _ => wait(),
        }
    }
}

impl Drop for Bridge {
    fn drop(&mut self) {
        // Dropping a runtime inside another one's context panics; this never does.
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}
