"""Users: admins add people, assign roles and departments, disable or enable, reset passwords, unlock."""

import streamlit as st

from lib.config import versions
from lib.people import logins, users
from lib.web import context

FLASH = "_users_flash"
ctx = context.context()
st.title("Users")


def done(problems: list[str], message: str) -> None:
    if problems:
        st.error("\n".join(f"- {p}" for p in problems))
        return
    st.session_state[FLASH] = message
    st.rerun()


if FLASH in st.session_state:
    st.success(st.session_state.pop(FLASH))
accounts = users.list_users(ctx.store, ctx.user)
st.dataframe([{"username": a.username, "name": a.name, "role": a.role, "departments": ", ".join(a.departments),
               "email": a.email, "disabled": a.disabled, "demo password": a.demo} for a in accounts],
             hide_index=True, width="stretch")
for lock in logins.current_locks(ctx.store, ctx.user):
    left, right = st.columns([3, 1])
    left.warning(f"**{lock.key}** is locked after failed logins until {lock.until_text}.")
    if right.button("Unlock", key=f"unlock-{lock.key}"):
        logins.unlock(ctx.store, ctx.user, lock.key)
        done([], f"{lock.key} unlocked")

roles, departments = users.assignable_roles(), [d.id for d in versions.current_org(ctx.store).departments]
add, change = st.tabs(["Add user", "Change user"])
with add, st.form("add-user"):
    username = st.text_input("Username").strip().lower()
    name, email = st.text_input("Name"), st.text_input("Email")
    role = st.selectbox("Role", roles, index=roles.index("viewer"))
    depts = st.multiselect("Departments (department heads and viewers see only these)", departments)
    password = st.text_input("Initial password", type="password")
    if st.form_submit_button("Add user"):
        done(users.save_user(ctx.store, ctx.user, username, role, depts, name, email, password),
             f"user {username} added")
with change:
    chosen = st.selectbox("User", [a.username for a in accounts], key="users-chosen")
    account = next((a for a in accounts if a.username == chosen), None)
    if account is not None:
        with st.form("change-user"):
            role = st.selectbox("Role", roles, index=roles.index(account.role) if account.role in roles else 0)
            depts = st.multiselect("Departments", departments, default=[d for d in account.departments if d in departments])
            name, email = st.text_input("Name", account.name), st.text_input("Email", account.email)
            if st.form_submit_button("Save changes"):
                done(users.save_user(ctx.store, ctx.user, account.username, role, depts, name, email),
                     f"user {account.username} saved")
        with st.form("reset-password", clear_on_submit=True):
            password = st.text_input("New password", type="password")
            if st.form_submit_button("Reset password"):
                done(users.reset_password(ctx.store, ctx.user, account.username, password),
                     f"password of {account.username} reset")
        verb = "Enable" if account.disabled else "Disable"
        if st.button(f"{verb} {account.username}", key="users-toggle"):
            done(users.set_disabled(ctx.store, ctx.user, account.username, not account.disabled),
                 f"user {account.username} {verb.lower()}d")
