# A provider-free deployment: it shows plan, apply, outputs and state without any cloud.
# The stages are created concurrently; the settle step waits for them, as a cluster waits for its layers.

variable "cluster" {
  description = "Name of the cluster the stages belong to."
  type        = string
  default     = "demo"
}

variable "stages" {
  description = "Stages to run, in order."
  type        = list(string)
  default     = ["network", "roles", "masters", "agents"]
}

resource "terraform_data" "stage" {
  count = length(var.stages)
  input = {
    cluster = var.cluster
    name    = var.stages[count.index]
    after   = count.index == 0 ? null : var.stages[count.index - 1]
  }
}

resource "time_sleep" "settle" {
  create_duration = "200ms"
  triggers        = { last = terraform_data.stage[length(var.stages) - 1].id }
}

output "stages" {
  value = [for s in terraform_data.stage : s.output.name]
}

output "ready" {
  value = "${var.cluster} ready after ${length(var.stages)} stages (${time_sleep.settle.id != "" ? "settled" : "waiting"})"
}
