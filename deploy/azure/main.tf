resource "azurerm_resource_group" "main" {
  name     = "${var.name}-rg"
  location = var.location
}

resource "azurerm_log_analytics_workspace" "main" {
  name                = "${var.name}-logs"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  sku                 = "PerGB2018"
  retention_in_days   = 30
}

resource "azurerm_container_app_environment" "main" {
  name                       = "${var.name}-env"
  location                   = azurerm_resource_group.main.location
  resource_group_name        = azurerm_resource_group.main.name
  log_analytics_workspace_id = azurerm_log_analytics_workspace.main.id
}

locals {
  # Settings every role reads (non-secret).
  common_env = {
    FEED                        = var.feed
    FULL_RUN_INTERVAL           = var.full_run_interval
    NIVODA_ENDPOINT             = var.nivoda_endpoint
    NIVODA_RATE_LIMIT           = tostring(var.nivoda_rate_limit)
    WORK_ITEMS_QUEUE            = azurerm_servicebus_queue.work_items.name
    CONSOLIDATE_QUEUE           = azurerm_servicebus_queue.consolidate.name
    QUEUE_LEASE_SECONDS         = "300"
    QUEUE_MAX_DELIVERIES        = "10"
    LOG_FORMAT                  = "json"
    METRICS_ADDR                = "0.0.0.0:9464"
    ALERT_EMAIL_TO              = var.alert_email_to
    ALERT_EMAIL_FROM            = var.alert_email_from
    CONSOLIDATION_DELAY_SECONDS = "300"
  }
  # Secret name in the container app -> environment variable. The Resend key
  # is passed only with alert_email_to set (RESEND_API_KEY requires it; no
  # key means alerts are log lines). Conditions use non-sensitive values so
  # the secret names can drive for_each.
  secret_env = merge({
    "database-url"    = "DATABASE_URL"
    "nivoda-username" = "NIVODA_USERNAME"
    "nivoda-password" = "NIVODA_PASSWORD"
    "servicebus"      = "AZURE_SERVICE_BUS_CONNECTION_STRING"
    "storage"         = "AZURE_STORAGE_CONNECTION_STRING"
  }, var.alert_email_to == "" ? {} : { "resend-api-key" = "RESEND_API_KEY" })
  secrets = merge({
    "database-url"    = var.database_url
    "nivoda-username" = var.nivoda_username
    "nivoda-password" = var.nivoda_password
    "servicebus"      = azurerm_servicebus_namespace_authorization_rule.app.primary_connection_string
    "storage"         = azurerm_storage_account.main.primary_connection_string
  }, var.alert_email_to == "" ? {} : { "resend-api-key" = var.resend_api_key })
}
