"""The authentication backend: Django's ModelBackend, loading the session's user with
their team in the same query — every page's header shows the team, which otherwise
cost one query on every request."""

from django.contrib.auth.backends import ModelBackend, UserModel


class UserBackend(ModelBackend):
    def get_user(self, user_id):
        try:
            user = UserModel._default_manager.select_related("team").get(pk=user_id)
        except UserModel.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
