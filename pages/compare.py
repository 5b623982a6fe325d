"""The URL path /compare on the first request after a server start, when Streamlit still routes by the pages/
folder: this file is found by its name and runs the entrypoint, which shows the screen (_pages.deep_link)."""

from pages import _pages

_pages.deep_link()
