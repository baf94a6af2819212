# ACM certificate for the public hostnames, validated through DNS in an existing Route53 zone.
# The AWS Load Balancer Controller finds it by host name (Ingress spec.tls) and attaches it to
# the ALB. The ALB itself is created by the controller, so its alias records are made by
# external-dns or by hand after the first deploy (see terraform/README.md).

data "aws_route53_zone" "this" {
  name         = var.zone_name
  private_zone = false
}

resource "aws_acm_certificate" "this" {
  domain_name               = var.hostnames[0]
  subject_alternative_names = slice(var.hostnames, 1, length(var.hostnames))
  validation_method         = "DNS"

  lifecycle {
    create_before_destroy = true
  }
}

# Keyed by the configured names (known at plan time), not by the certificate's computed
# validation options.
resource "aws_route53_record" "validation" {
  for_each = toset(var.hostnames)

  zone_id         = data.aws_route53_zone.this.zone_id
  name            = local.validation[each.key].resource_record_name
  type            = local.validation[each.key].resource_record_type
  records         = [local.validation[each.key].resource_record_value]
  ttl             = 300
  allow_overwrite = true
}

locals {
  validation = {
    for o in aws_acm_certificate.this.domain_validation_options : o.domain_name => o
  }
}

resource "aws_acm_certificate_validation" "this" {
  certificate_arn         = aws_acm_certificate.this.arn
  validation_record_fqdns = [for r in aws_route53_record.validation : r.fqdn]
}
