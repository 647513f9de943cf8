from django.apps import AppConfig


class DemoHostConfig(AppConfig):
    name = "demo_host"
    verbose_name = "Demo host"
