"""The only package that imports Streamlit: the page context, the shell (login gate, sidebar,
navigation) that app.py and the tests' app both call, login, and chart builders.
"""
