from django.db import models


class Author(models.Model):
    name = models.CharField(max_length=100, unique=True)

    def __str__(self) -> str:
        return self.name


class Account(models.Model):
    """A bank account the locking demo withdraws from; each run makes and removes its own."""

    owner = models.CharField(max_length=100)
    balance = models.IntegerField()

    def __str__(self) -> str:
        return f"{self.owner}: {self.balance}"


class Book(models.Model):
    """Seeded demo data the ORM demos read and write."""

    title = models.CharField(max_length=200)
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="books")
    year = models.PositiveIntegerField()
    pages = models.PositiveIntegerField()
    is_demo_scratch = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        # `year` is indexed and `pages` is not, so the query demo can show both plans.
        indexes = [models.Index(fields=["year"], name="book_year_idx")]

    def __str__(self) -> str:
        return self.title


class CachedBook(Book):
    """The caching demo's books: its `post_save` receiver listens to this class only, so no
    other demo's writes invalidate its cache."""

    class Meta:
        proxy = True
