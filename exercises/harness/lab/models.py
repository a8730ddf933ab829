"""The exercise data: tables every sandbox creates, filled from an exercise's `data:`."""

from django.db import models


class Author(models.Model):
    name = models.CharField(max_length=100)

    def __str__(self) -> str:
        return self.name


class Book(models.Model):
    title = models.CharField(max_length=200)
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="books")
    year = models.IntegerField(default=2000)

    def __str__(self) -> str:
        return self.title


class Account(models.Model):
    owner = models.CharField(max_length=100)
    balance = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.owner}: {self.balance}"


class Item(models.Model):
    name = models.CharField(max_length=100)
    stock = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}: {self.stock} in stock"


class Order(models.Model):
    email = models.CharField(max_length=200)
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="orders")
    quantity = models.IntegerField(default=1)

    def __str__(self) -> str:
        return f"{self.quantity} x {self.item_id} for {self.email}"


class Payment(models.Model):
    key = models.CharField(max_length=100, unique=True)  # the client's Idempotency-Key
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="payments")
    amount = models.IntegerField()

    def __str__(self) -> str:
        return f"{self.key}: {self.amount}"


class Job(models.Model):
    """Background work to do, written in the same transaction as the data it is about (a
    transactional outbox): a worker claims and runs it later."""

    name = models.CharField(max_length=100)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="jobs", null=True)
    done = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.name} for order {self.order_id}{' (done)' if self.done else ''}"


class Subscription(models.Model):
    """One client watching a live feed: open while it watches, closed when it leaves."""

    channel = models.CharField(max_length=100)
    active = models.BooleanField(default=True)
    ticks_sent = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.channel}: {'open' if self.active else 'closed'}, {self.ticks_sent} ticks"


MODELS = {
    model.__name__: model
    for model in (Author, Book, Account, Item, Order, Payment, Subscription, Job)
}
