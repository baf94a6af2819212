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
  default = "7.1"
}

variable "node_type" {
  type    = string
  default = "cache.r7g.large"
}

variable "replicas" {
  description = "Read replicas besides the primary, in other AZs (failover targets)."
  type        = number
  default     = 2
}

variable "auth_token" {
  description = "Redis AUTH token (16-128 printable characters, no @, \", /). Goes into REDIS_URL."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.auth_token) >= 16 && length(var.auth_token) <= 128 && !can(regex("[@\"/ ]", var.auth_token))
    error_message = "auth_token must be 16-128 characters without '@', '\"', '/' or spaces."
  }
}
