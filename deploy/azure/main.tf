# Names. A Service Bus namespace and a storage account are global DNS names,
# and a resource group is one per subscription: those carry a random suffix
# kept in the state, so neither another organisation's deployment nor a second
# one of ours (another workspace, e.g. per feed) collides. The rest live
# inside the resource group and take var.name alone.
resource "random_string" "suffix" {
  length  = 6
  upper   = false
  special = false
}

locals {
  unique_name = "${var.name}-${random_string.suffix.result}"
  # The queue settings the broker enforces and the app assumes, from one place:
  # the lease the app renews (QUEUE_LEASE_SECONDS) is the queues' lock duration
  # (Service Bus allows at most 5 minutes; written PT5M, as Azure returns it),
  # and a message is dead-lettered after as many deliveries on Service Bus as
  # the app counts (QUEUE_MAX_DELIVERIES).
  queue_lease_minutes  = 5
  queue_max_deliveries = 10
}

resource "azurerm_resource_group" "main" {
  name     = "${local.unique_name}-rg"
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
    QUEUE_LEASE_SECONDS         = tostring(local.queue_lease_minutes * 60)
    QUEUE_MAX_DELIVERIES        = tostring(local.queue_max_deliveries)
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
