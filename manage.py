#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    if not os.environ.get("DJANGO_SETTINGS_MODULE"):  # unset or empty
        os.environ["DJANGO_SETTINGS_MODULE"] = "vpt.settings"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
