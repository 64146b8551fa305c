"""The web viewer at ``/ui``: log in with a token, see the tenant's runs, watch one live,
answer its pause, take over its mouse and keyboard.

``sessions`` holds the cookie sessions and their CSRF rule; ``controller`` the routes;
``static/`` one HTML page, one script and one stylesheet, served as package data.
"""
