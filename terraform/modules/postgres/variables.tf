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
  description = "PostgreSQL major (or major.minor) version."
  type        = string
  default     = "16"
}

variable "instance_class" {
  type    = string
  default = "db.r6g.large"
}

variable "allocated_storage_gib" {
  type    = number
  default = 100
}

variable "max_allocated_storage_gib" {
  description = "Storage autoscaling ceiling."
  type        = number
  default     = 1000
}

variable "database_name" {
  type    = string
  default = "colink"
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
