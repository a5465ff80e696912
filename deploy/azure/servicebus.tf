resource "azurerm_servicebus_namespace" "main" {
  name                = "${local.unique_name}-bus"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  sku                 = "Standard"
}

# Work items: one per partition. The lock (lease) is renewed by the worker
# every third of its duration; after local.queue_max_deliveries (10)
# deliveries a message is dead-lettered, as the app expects (main.tf, locals).
resource "azurerm_servicebus_queue" "work_items" {
  name                                    = "work-items"
  namespace_id                            = azurerm_servicebus_namespace.main.id
  lock_duration                           = "PT${local.queue_lease_minutes}M"
  max_delivery_count                      = local.queue_max_deliveries
  dead_lettering_on_message_expiration    = true
  requires_duplicate_detection            = true
  duplicate_detection_history_time_window = "PT1H"
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
  duplicate_detection_history_time_window = "PT1H"
  default_message_ttl                     = "P2D"
}

resource "azurerm_servicebus_namespace_authorization_rule" "app" {
  name         = "diamond-ingest"
  namespace_id = azurerm_servicebus_namespace.main.id
  listen       = true
  send         = true
  manage       = true # the KEDA scaler reads queue lengths
}
