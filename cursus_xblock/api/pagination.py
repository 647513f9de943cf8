"""Every list of the API is paginated, with a bounded page size."""

from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """``?page=2&page_size=50``: 20 items a page by default, at most 100."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
