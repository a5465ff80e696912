# Azure Container Apps deployment of diamond-ingest, as the original system
# ran: the scheduler as a scheduled Container Apps Job, workers as a Container
# App scaling 1..10 on the work-items queue, the consolidator, Service Bus
# queues, and a storage account holding the watermark blob.
#
# Checked here with `terraform fmt -check` only: providers cannot be
# downloaded on the build machines, so `terraform validate` was not run.
terraform {
  required_version = ">= 1.5"
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 3.100"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
  }
}

provider "azurerm" {
  features {}
}
