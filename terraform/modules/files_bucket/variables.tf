variable "bucket_name" {
  description = "Globally unique bucket name."
  type        = string
}

variable "cors_allowed_origins" {
  description = "Origins of the web client (PUBLIC_URL): browsers upload and download with presigned URLs."
  type        = list(string)
}

variable "noncurrent_to_glacier_days" {
  description = "Days after which overwritten or deleted versions move to Glacier Flexible Retrieval."
  type        = number
  default     = 30
}

variable "noncurrent_expire_days" {
  description = "Days after which noncurrent versions are deleted for good."
  type        = number
  default     = 365
}

variable "force_destroy" {
  description = "Allow `terraform destroy` to delete a non-empty bucket. Never in production."
  type        = bool
  default     = false
}
