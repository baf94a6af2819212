variable "zone_name" {
  description = "Existing public Route53 hosted zone (e.g. example.com)."
  type        = string
}

variable "hostnames" {
  description = "Names the certificate covers, e.g. [\"colink.example.com\", \"auth.colink.example.com\"]. The first is the primary name."
  type        = list(string)
}
