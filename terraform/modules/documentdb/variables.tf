variable "name" {
  type = string
}

variable "vpc_id" {
  type = string
}

variable "subnet_ids" {
  type = list(string)
}

variable "allowed_security_groups" {
  description = "Security groups allowed to connect, by a name known at plan time (e.g. { eks_nodes = sg-... })."
  type        = map(string)
}

variable "engine_version" {
  type    = string
  default = "5.0.0"
}

variable "instance_class" {
  type    = string
  default = "db.r6g.large"
}

variable "instance_count" {
  description = "Primary plus replicas, spread over the subnets' AZs."
  type        = number
  default     = 3
}

variable "username" {
  type    = string
  default = "colink"
}

variable "backup_retention_days" {
  type    = number
  default = 7
}

variable "deletion_protection" {
  type    = bool
  default = true
}
