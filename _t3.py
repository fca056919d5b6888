from tests.support.apptest import open_app_page
app = open_app_page("pages/build.py")
print(app.sidebar)
print(app.session_state["lesson_mode"] if "lesson_mode" in app.session_state else None)
app2 = open_app_page("pages/architecture.py")
print([s.key for s in app2.sidebar.selectbox])
