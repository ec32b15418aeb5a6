from django.urls import path

from . import views

app_name = "demo"

urlpatterns = [
    path("reaction/", views.reaction_page, name="reaction"),
    path("quiz/", views.quiz_page, name="quiz"),
    path("quiz/questions", views.quiz_questions, {"game": "quiz"}, name="quiz-questions"),
    path("quiz/answer", views.quiz_answer, {"game": "quiz"}, name="quiz-answer"),
    path("<slug:game>/results", views.submit_result, name="results"),
    path("<slug:game>/check", views.check_game, name="check"),
]
