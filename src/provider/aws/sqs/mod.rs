//! SQS: queues (lifecycle hooks and cluster jobs send to them).

pub mod queue;
