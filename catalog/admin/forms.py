"""The product change form: friendly fields for tags, attributes, translations and categories."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.postgres.forms import SimpleArrayField
from django.core.exceptions import ValidationError

from catalog import errors
from catalog.models import Category, Product
from catalog.models.product import validate_translations

TRANSLATION_NAME_REQUIRED = "Enter the translated name when giving a translated description."
VERSION_CONFLICT = errors.VERSION_CONFLICT + " Someone saved it after you opened it: reload the page."


class TagsField(SimpleArrayField):
    """Tags typed as comma-separated text; blanks and repeats are dropped."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "Comma-separated, e.g. steel, metric, DIN 933.")
        super().__init__(forms.CharField(max_length=50), delimiter=",", **kwargs)

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value: Any) -> list[str]:
        if isinstance(value, str):
            value = [tag.strip() for tag in value.split(self.delimiter)]
        return super().to_python([tag for tag in dict.fromkeys(value or ()) if tag])


def translation_locales(default_locale: str | None) -> tuple[str, ...]:
    """Return the locales the form offers: every catalog locale but the tenant's own.

    ``name`` and ``description`` hold the text in the tenant's default locale;
    without a known tenant (a superuser's add form) every locale is offered.
    """
    return tuple(locale for locale in settings.CATALOG_LOCALES if locale != default_locale)


def translation_field_names(locales: tuple[str, ...]) -> tuple[str, ...]:
    """Return the form field names for the translations of ``locales``."""
    return tuple(name for locale in locales for name in _field_names(locale))


def _field_names(locale: str) -> tuple[str, str]:
    return f"translation_name_{locale}", f"translation_description_{locale}"


class ProductForm(forms.ModelForm):
    """Edit a product; ``translations`` is assembled from one field pair per locale.

    The category field is named ``category_ids`` because the admin refuses
    ``categories`` (a many-to-many with its own link model) as a form field;
    ProductAdmin swaps in a tenant-scoped field with an autocomplete widget.
    """

    locales: tuple[str, ...] = ()

    tags = TagsField()
    attributes = forms.JSONField(
        required=False, widget=forms.Textarea(attrs={"rows": 6, "class": "vLargeTextField"}),
        help_text='A JSON object, e.g. {"material": "steel", "thread": "M8"}.',
    )
    category_ids = forms.ModelMultipleChoiceField(
        queryset=Category.objects.none(), required=False, label="Categories"
    )
    expected_version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Product
        fields = ("sku", "name", "description", "price", "sale_price", "currency",
                  "stock_quantity", "is_active", "brand", "tags", "attributes")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stored = self.instance.translations or {}
        for locale in self.locales:
            name_field, description_field = _field_names(locale)
            text = stored.get(locale, {})
            self.initial.setdefault(name_field, text.get("name", ""))
            self.initial.setdefault(description_field, text.get("description", ""))
        if self.instance.pk is not None:
            self.initial.setdefault("expected_version", self.instance.version)
            self.initial.setdefault(
                "category_ids", list(self.instance.categories.values_list("pk", flat=True))
            )

    def clean_attributes(self) -> Any:
        value = self.cleaned_data.get("attributes")
        return {} if value is None else value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self._check_version()
        self._apply_translations(cleaned)
        self._check_category_tenant(cleaned)
        return cleaned

    def _check_version(self) -> None:
        expected = self.cleaned_data.get("expected_version")
        if self.instance.pk is not None and expected is not None and expected != self.instance.version:
            self.add_error(None, VERSION_CONFLICT.format(
                expected=expected, actual=self.instance.version))

    def _apply_translations(self, cleaned: dict[str, Any]) -> None:
        # Locales the form does not show (the tenant's own, or ones added by the API) are kept.
        translations = dict(self.instance.translations or {})
        for locale in self.locales:
            name_field, description_field = _field_names(locale)
            name = cleaned.get(name_field, "").strip()
            description = cleaned.get(description_field, "").strip()
            if not name and description:
                self.add_error(name_field, TRANSLATION_NAME_REQUIRED)
            elif name:
                translations[locale] = {"name": name, "description": description}
            else:
                translations.pop(locale, None)
        try:
            validate_translations(translations)
        except ValidationError as exc:
            self.add_error(None, exc)
            return
        self.instance.translations = translations

    def _check_category_tenant(self, cleaned: dict[str, Any]) -> None:
        # Merchandisers only get their tenant's choices; a superuser's choices span tenants.
        tenant_id = self.instance.tenant_id or getattr(cleaned.get("tenant"), "pk", None)
        if tenant_id is None:
            return  # the tenant field has its own error
        foreign = sorted(c.pk for c in cleaned.get("category_ids") or () if c.tenant_id != tenant_id)
        if foreign:
            self.add_error("category_ids", errors.CATEGORY_OTHER_TENANT.format(
                ids=", ".join(map(str, foreign))))


@lru_cache(maxsize=32)
def product_form_for(locales: tuple[str, ...]) -> type[ProductForm]:
    """Return a ProductForm class with a name and description field for each of ``locales``."""
    fields: dict[str, Any] = {"locales": locales}
    for locale in locales:
        name_field, description_field = _field_names(locale)
        fields[name_field] = forms.CharField(
            label=f"Name ({locale})", max_length=255, required=False
        )
        fields[description_field] = forms.CharField(
            label=f"Description ({locale})", required=False,
            widget=forms.Textarea(attrs={"rows": 3, "class": "vLargeTextField"}),
        )
    return type(ProductForm)(f"ProductForm_{'_'.join(locales) or 'none'}", (ProductForm,), fields)
