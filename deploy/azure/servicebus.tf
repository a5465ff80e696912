resource "azurerm_servicebus_namespace" "main" {
  name                = "${local.unique_name}-bus"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  sku                 = "Standard"
}

# The queues' settings equal the app's (locals in main.tf; ops_deploy_test
# checks it): lock_duration = QUEUE_LEASE_SECONDS (the app renews a lock at half
# the time the broker granted, x-opt-locked-until), max_delivery_count =
# QUEUE_MAX_DELIVERIES (the app gives up on a message at that delivery too),
# duplicate detection over 24 h (the PostgreSQL queue's window; message-id =
# the dedup id, so an outbox row resent after a crash is dropped).

# Work items: one per partition.
resource "azurerm_servicebus_queue" "work_items" {
  name                                    = "work-items"
  namespace_id                            = azurerm_servicebus_namespace.main.id
  lock_duration                           = "PT${local.queue_lease_minutes}M"
  max_delivery_count                      = local.queue_max_deliveries
  dead_lettering_on_message_expiration    = true
  requires_duplicate_detection            = true
  duplicate_detection_history_time_window = "P1D"
  default_message_ttl                     = "P2D"
}

# Consolidation requests: one per run, sent when its last partition ends.
resource "azurerm_servicebus_queue" "consolidate" {
  name                                    = "consolidate"
  namespace_id                            = azurerm_servicebus_namespace.main.id
  lock_duration                           = "PT${local.queue_lease_minutes}M"
  max_delivery_count                      = local.queue_max_deliveries
  dead_lettering_on_message_expiration    = true
  requires_duplicate_detection            = true
  duplicate_detection_history_time_window = "P1D"
  default_message_ttl                     = "P2D"
}

resource "azurerm_servicebus_namespace_authorization_rule" "app" {
  name         = "diamond-ingest"
  namespace_id = azurerm_servicebus_namespace.main.id
  listen       = true
  send         = true
  manage       = true # the KEDA scaler reads queue lengths
}
