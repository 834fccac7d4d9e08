"""Test machinery shared by tests and bench: named for what each module returns or stands for."""
