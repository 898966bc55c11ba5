"""API tokens' page and API: an owner lists and revokes their own token, an admin everyone's."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView
from rest_framework import mixins, serializers, viewsets
from rest_framework.authtoken.models import Token

from teams.errors import DomainError
from teams.tokens import token_expires_at, token_revoke, tokens_visible_to


class TokenInfoSerializer(serializers.ModelSerializer):
    """A token as listed: never its key, only the first characters to recognise it."""

    user = serializers.IntegerField(source="user_id", read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)
    key_prefix = serializers.SerializerMethodField()
    expires_at = serializers.SerializerMethodField()

    class Meta:
        model = Token
        fields = ["user", "username", "key_prefix", "created", "expires_at"]

    def get_key_prefix(self, token) -> str:
        return f"{token.key[:6]}…"

    def get_expires_at(self, token) -> str | None:
        expires_at = token_expires_at(token)
        return serializers.DateTimeField().to_representation(expires_at) if expires_at else None


class TokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """API tokens, by their user's id: ``GET`` lists your own (an admin: all);
    ``DELETE /api/v1/tokens/{user}/`` revokes it at once."""

    serializer_class = TokenInfoSerializer
    lookup_field = "user_id"
    lookup_url_kwarg = "user"
    filterset_class = None

    def get_queryset(self):
        return tokens_visible_to(self.request.user)

    def perform_destroy(self, instance):
        token_revoke(actor=self.request.user, owner_id=instance.user_id, request=self.request)


class TokenListView(LoginRequiredMixin, ListView):
    template_name = "teams/token_list.html"
    paginate_by = 50

    def get_queryset(self):
        return tokens_visible_to(self.request.user)


class TokenRevokeView(LoginRequiredMixin, View):
    def post(self, request, user):
        try:
            token_revoke(actor=request.user, owner_id=user, request=request)
        except DomainError as error:
            raise Http404 from error
        messages.success(request, _("The token was revoked."))
        return redirect("teams:token_list")
