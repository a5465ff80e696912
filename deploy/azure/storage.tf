resource "azurerm_storage_account" "main" {
  name                            = "${var.name}${random_string.suffix.result}" # 3-24 letters and digits
  location                        = azurerm_resource_group.main.location
  resource_group_name             = azurerm_resource_group.main.name
  account_tier                    = "Standard"
  account_replication_type        = "LRS"
  min_tls_version                 = "TLS1_2"
  allow_nested_items_to_be_public = false
}

# The watermark blobs live at watermarks/nivoda.json (natural) and watermarks/nivoda-labgrown.json.
resource "azurerm_storage_container" "watermarks" {
  name                  = "watermarks"
  storage_account_name  = azurerm_storage_account.main.name
  container_access_type = "private"
}
