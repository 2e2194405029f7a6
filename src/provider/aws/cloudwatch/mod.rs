//! CloudWatch: the metric alarms that drive step and simple scaling policies.

pub mod metric_alarm;
