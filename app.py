"""Costbook: the entry script. The shell (first-start demo, login gate, sidebar, navigation) is lib.web.shell."""

import streamlit as st

from lib.web import shell

st.set_page_config(page_title="Costbook", page_icon=":material/account_balance:", layout="wide")
shell.run()
