output "bucket" {
  value = aws_s3_bucket.this.id
}

output "arn" {
  value = aws_s3_bucket.this.arn
}

output "region" {
  value = aws_s3_bucket.this.region
}

output "service_policy_json" {
  description = "Least-privilege IAM policy for the files service (attach through IRSA)."
  value       = data.aws_iam_policy_document.service.json
}
