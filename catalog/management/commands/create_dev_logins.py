"""Create (or reset) the dev stack's superuser and merchandiser logins."""

import os
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from catalog.models import StaffMembership, StaffRole, Tenant

ADMIN_PASSWORD_VARIABLE = "DEV_ADMIN_PASSWORD"
MERCHANDISER_PASSWORD_VARIABLE = "DEV_MERCHANDISER_PASSWORD"


class Command(BaseCommand):
    help = "Create or reset the 'admin' superuser and a 'merchandiser' login of one tenant."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", required=True, help="slug of the merchandiser's tenant")
        # The passwords may come from the environment: a command line shows them to ``ps``, and a
        # generated password that begins with "-" would be read as an option.
        parser.add_argument("--admin-password", default=os.environ.get(ADMIN_PASSWORD_VARIABLE),
                            help=f"default: ${ADMIN_PASSWORD_VARIABLE}")
        parser.add_argument("--merchandiser-password",
                            default=os.environ.get(MERCHANDISER_PASSWORD_VARIABLE),
                            help=f"default: ${MERCHANDISER_PASSWORD_VARIABLE}")

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        for option, variable in (("admin_password", ADMIN_PASSWORD_VARIABLE),
                                 ("merchandiser_password", MERCHANDISER_PASSWORD_VARIABLE)):
            if not options[option]:
                flag = "--" + option.replace("_", "-")
                raise CommandError(f"{flag}: required (or set ${variable}).")
        tenant = Tenant.objects.filter(slug=options["tenant"]).first()
        if tenant is None:
            raise CommandError(f"--tenant: no tenant with slug {options['tenant']!r}.")
        admin, _ = User.objects.get_or_create(username="admin")
        admin.is_staff = admin.is_superuser = True
        admin.set_password(options["admin_password"])
        admin.save()
        merchandiser, _ = User.objects.get_or_create(username="merchandiser")
        merchandiser.is_staff, merchandiser.is_superuser = True, False
        merchandiser.set_password(options["merchandiser_password"])
        merchandiser.save()
        StaffMembership.objects.update_or_create(
            user=merchandiser, defaults={"tenant": tenant, "role": StaffRole.MERCHANDISER}
        )
        self.stdout.write(f"logins ready: admin (superuser), merchandiser ({tenant.slug})")
