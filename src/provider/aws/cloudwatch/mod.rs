//! CloudWatch: the metric alarms that drive step and simple scaling policies.

pub mod alarm_evaluation;
pub mod metric_alarm;
