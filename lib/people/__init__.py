"""Who uses Costbook: users and roles, logins and lockout, single sign-on mapping, and the start-up
checks that refuse insecure settings. Imports the layers above it.
"""
