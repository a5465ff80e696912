variable "name" {
  description = "Prefix of every resource name: 3-16 lower-case letters and digits, first a letter (main.tf)"
  type        = string
  default     = "diamondingest"
  validation {
    # 16 keeps "<name><6-char suffix>" within a storage account's 24 characters
    # and "<name>-consolidator" within a container app's 32.
    condition     = can(regex("^[a-z][a-z0-9]{2,15}$", var.name))
    error_message = "name: 3-16 lower-case letters and digits, starting with a letter."
  }
}

variable "location" {
  description = "Azure region"
  type        = string
  default     = "westeurope"
}

variable "image" {
  description = "Container image built from deploy/docker/Dockerfile"
  type        = string
}

variable "feed" {
  description = "Nivoda feeds, comma-separated: natural, labgrown or natural,labgrown"
  type        = string
  default     = "natural,labgrown"
}

variable "full_run_interval" {
  description = "A feed's next scheduled run is full when its last complete full run is this old (e.g. 24h)"
  type        = string
  default     = "24h"
}

variable "database_url" {
  description = "PostgreSQL connection string (Azure Database for PostgreSQL or any PostgreSQL 14+)"
  type        = string
  sensitive   = true
}

variable "nivoda_endpoint" {
  description = "Nivoda GraphQL endpoint"
  type        = string
  default     = "https://integrations.nivoda.net/api/diamonds"
}

variable "nivoda_username" {
  type      = string
  sensitive = true
}

variable "nivoda_password" {
  type      = string
  sensitive = true
}

variable "nivoda_rate_limit" {
  description = "Account-wide requests per second, summed over every worker"
  type        = number
  default     = 25
}

variable "resend_api_key" {
  description = "Resend API key for alert emails; empty: alerts are log lines"
  type        = string
  default     = ""
  sensitive   = true
}

variable "alert_email_to" {
  description = "Alert recipients (comma-separated); set together with resend_api_key"
  type        = string
  default     = ""
}

variable "alert_email_from" {
  type    = string
  default = ""
}
