variable "name" {
  type = string
}

variable "vpc_id" {
  type = string
}

variable "subnet_ids" {
  description = "One private subnet per broker AZ (3)."
  type        = list(string)
}

variable "allowed_security_groups" {
  description = "Security groups allowed to connect, by a name known at plan time (e.g. { eks_nodes = sg-... })."
  type        = map(string)
}

variable "kafka_version" {
  type    = string
  default = "3.6.0"
}

variable "broker_count" {
  description = "Number of brokers: a multiple of the number of subnets."
  type        = number
  default     = 3
}

variable "instance_type" {
  type    = string
  default = "kafka.m7g.large"
}

variable "volume_size_gib" {
  type    = number
  default = 500
}
