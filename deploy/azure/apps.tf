# Scheduler: a Container Apps Job on cron 0 * * * * (hourly, UTC), one replica, no
# overlap: full or incremental by itself, one run per feed of FEED.
resource "azurerm_container_app_job" "scheduler" {
  name                         = "${var.name}-scheduler"
  location                     = azurerm_resource_group.main.location
  resource_group_name          = azurerm_resource_group.main.name
  container_app_environment_id = azurerm_container_app_environment.main.id
  replica_timeout_in_seconds   = 1800
  replica_retry_limit          = 1

  schedule_trigger_config {
    cron_expression          = "0 * * * *"
    parallelism              = 1
    replica_completion_count = 1
  }

  dynamic "secret" {
    for_each = local.secret_env
    content {
      name  = secret.key
      value = local.secrets[secret.key]
    }
  }

  template {
    container {
      name   = "scheduler"
      image  = var.image
      args   = ["schedule"]
      cpu    = 0.5
      memory = "1Gi"
      dynamic "env" {
        for_each = local.common_env
        content {
          name  = env.key
          value = env.value
        }
      }
      dynamic "env" {
        for_each = local.secret_env
        content {
          name        = env.value
          secret_name = env.key
        }
      }
    }
  }
}

# Workers: 1..10 replicas, one per 5 messages on the work-items queue.
resource "azurerm_container_app" "worker" {
  name                         = "${var.name}-worker"
  resource_group_name          = azurerm_resource_group.main.name
  container_app_environment_id = azurerm_container_app_environment.main.id
  revision_mode                = "Single"

  dynamic "secret" {
    for_each = local.secret_env
    content {
      name  = secret.key
      value = local.secrets[secret.key]
    }
  }

  template {
    min_replicas = 1
    max_replicas = 10

    custom_scale_rule {
      name             = "work-items"
      custom_rule_type = "azure-servicebus"
      metadata = {
        queueName    = azurerm_servicebus_queue.work_items.name
        messageCount = "5"
        namespace    = azurerm_servicebus_namespace.main.name
      }
      authentication {
        secret_name       = "servicebus"
        trigger_parameter = "connection"
      }
    }

    container {
      name   = "worker"
      image  = var.image
      args   = ["work"]
      cpu    = 1.0
      memory = "2Gi"
      dynamic "env" {
        for_each = local.common_env
        content {
          name  = env.key
          value = env.value
        }
      }
      dynamic "env" {
        for_each = local.secret_env
        content {
          name        = env.value
          secret_name = env.key
        }
      }
      liveness_probe {
        transport = "HTTP"
        port      = 9464
        path      = "/healthz"
      }
    }
  }
}

# Consolidator: one replica consuming the consolidate queue.
resource "azurerm_container_app" "consolidator" {
  name                         = "${var.name}-consolidator"
  resource_group_name          = azurerm_resource_group.main.name
  container_app_environment_id = azurerm_container_app_environment.main.id
  revision_mode                = "Single"

  dynamic "secret" {
    for_each = local.secret_env
    content {
      name  = secret.key
      value = local.secrets[secret.key]
    }
  }

  template {
    min_replicas = 1
    max_replicas = 1

    container {
      name   = "consolidator"
      image  = var.image
      args   = ["consolidate"]
      cpu    = 1.0
      memory = "2Gi"
      dynamic "env" {
        for_each = local.common_env
        content {
          name  = env.key
          value = env.value
        }
      }
      dynamic "env" {
        for_each = local.secret_env
        content {
          name        = env.value
          secret_name = env.key
        }
      }
    }
  }
}
