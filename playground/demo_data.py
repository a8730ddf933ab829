"""The seeded rows the ORM demos read: stable, so figures are comparable run to run."""

from .models import Author, Book
from .routers import atomic

AUTHORS = 20
BOOKS_PER_AUTHOR = 10


def load_demo_data() -> int:
    """Create the demo authors and books if they are missing; return how many books exist."""
    with atomic():
        _seed()
    return Book.objects.count()


def _seed() -> None:
    for a in range(1, AUTHORS + 1):
        author, _ = Author.objects.get_or_create(name=f"Author {a:02d}")
        have = author.books.filter(is_demo_scratch=False).count()
        Book.objects.bulk_create(
            Book(
                title=f"Book {a:02d}-{b:02d}",
                author=author,
                year=1990 + (a * 7 + b) % 35,
                pages=120 + (a * 37 + b * 11) % 600,
            )
            for b in range(have + 1, BOOKS_PER_AUTHOR + 1)
        )
    # Scratch rows are made and removed by each run; clear any a crash left behind.
    Book.objects.filter(is_demo_scratch=True).delete()
