"""Validation messages with stable texts, so tests and API clients can rely on them."""

SKU_DUPLICATE = "A product with this SKU already exists in this tenant."
PRICE_NOT_POSITIVE = "Price must be greater than 0."
SALE_PRICE_NOT_POSITIVE = "Sale price must be greater than 0."
SALE_PRICE_ABOVE_PRICE = "Sale price must not be above the price."
STOCK_NEGATIVE = "Stock quantity must be 0 or more."
CURRENCY_INVALID = "Currency must be a three-letter ISO 4217 code in capitals, e.g. EUR."
BRAND_OTHER_TENANT = "The brand belongs to another tenant."
CATEGORY_OTHER_TENANT = "Category {ids} belongs to another tenant or does not exist."
CATEGORY_PARENT_OTHER_TENANT = "The parent category belongs to another tenant."
CATEGORY_PARENT_CYCLE = "A category cannot be moved under itself or one of its subcategories."
CATEGORY_SLUG_DUPLICATE = "A category with this slug already exists under the same parent."
BRAND_DUPLICATE = "A brand with this name already exists in this tenant."
TRANSLATION_LOCALE_UNKNOWN = "Unknown locale {locale!r}; allowed: {allowed}."
TRANSLATION_SHAPE = "Each translation must be an object with a 'name' and an optional 'description'."
TRANSLATION_NAME_TOO_LONG = "Translated name for {locale!r} has more than 255 characters."
ATTRIBUTES_NOT_OBJECT = "Attributes must be a JSON object of names to values."
TAGS_INVALID = "Tags must be a list of non-empty texts of at most 50 characters."
VERSION_CONFLICT = "The product is at version {actual}, not the expected version {expected}."
UNKNOWN_FIELD = "Unknown field."


class VersionConflict(Exception):
    """The client expected another version of the aggregate than the stored one."""

    def __init__(self, *, expected: int, actual: int) -> None:
        self.expected, self.actual = expected, actual
        super().__init__(VERSION_CONFLICT.format(expected=expected, actual=actual))


# Imports: file-level refusals (nothing is imported) and row rejections (the error report).
IMPORT_FORMAT_UNKNOWN = (
    "Cannot tell the format of {name!r}: name it .csv, .jsonl (optionally .gz) or pass --format csv|jsonl."
)
IMPORT_EMPTY = "The file is empty: a CSV file needs a header row naming its columns."
IMPORT_HEADER_UNKNOWN = "Unknown column(s) {columns} in the header; known columns: {known}."
IMPORT_HEADER_MISSING = "Missing required column(s) {columns} in the header."
IMPORT_HEADER_DUPLICATE = "Column(s) {columns} appear more than once in the header."
IMPORT_HEADER_UNREADABLE = "The header row cannot be read: {error}."
IMPORT_BATCH_FAILED = (
    "Batch starting at row {row} failed and was rolled back ({error}); earlier batches are committed,"
    " and importing the same file again continues safely."
)
IMPORT_ENCODING = "Not valid UTF-8; save the file as UTF-8."
IMPORT_QUOTING = "Broken CSV quoting: {error}."
IMPORT_FIELD_COUNT = "Expected {expected} fields as in the header, found {found}."
IMPORT_NUL = "Contains a NUL character."
IMPORT_JSON_INVALID = "Not a JSON object on one line: {error}."
IMPORT_JSON_NOT_OBJECT = "Each line must be a JSON object."
IMPORT_JSON_TYPE = "Must be {expected}."
IMPORT_KEY_UNKNOWN = "Unknown key; known keys: {known}."
IMPORT_PIPE_IN_ITEM = "An item of this list contains '|', which separates items in CSV."
IMPORT_REQUIRED = "Required."
IMPORT_TOO_LONG = "Longer than {limit} characters."
IMPORT_NOT_AMOUNT = (
    "Not an amount: use digits with a dot and at most 2 decimals, at most 99999999.99, e.g. 19.90."
)
IMPORT_NOT_COUNT = "Not a whole number of at most 9 digits."
IMPORT_NOT_BOOLEAN = "Not a boolean: use true or false (also 1/0, yes/no, t/f)."
IMPORT_CATEGORY_PATH = (
    "Each category path is names separated by ' > ' (paths separated by '|'),"
    " each name 1 to 255 characters."
)
IMPORT_DUPLICATE_SKU = "Duplicate SKU: row {row} has it already; only the first row with a SKU is imported."
