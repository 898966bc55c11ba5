"""The user import's pages (admins only), namespace "user_imports": /users/import/…"""

from accounts.views import imports

app_name = "user_imports"

urlpatterns = imports.USER_IMPORT_PAGES.urlpatterns("users/import/")
