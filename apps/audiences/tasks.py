"""Celery tasks of the audiences app (thin: they call the modules that do the work)."""

from celery import shared_task


@shared_task(name="audiences.process_upload", ignore_result=True)
def process_upload(upload_id: int) -> None:
    from .uploads import upload_process

    upload_process(upload_id)


@shared_task(name="audiences.lookalike_build", ignore_result=True)
def lookalike_build(audience_id: int) -> None:
    from .lookalike import lookalike_build as build

    build(audience_id)
