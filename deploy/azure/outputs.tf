output "resource_group" {
  value = azurerm_resource_group.main.name
}

output "servicebus_namespace" {
  value = azurerm_servicebus_namespace.main.name
}

output "storage_account" {
  value = azurerm_storage_account.main.name
}

output "scheduler_job" {
  value = azurerm_container_app_job.scheduler.name
}
