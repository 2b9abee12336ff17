--[[ tests/doctor/external5/dlai_planar_logreg.lua — external case (broken):
  deeplearning.ai C1 W3 "Planar data classification": logistic regression on the 2-class "flower"

  Source: https://github.com/amanchadha/coursera-deep-learning-specialization
    (C1 - Neural Networks and Deep Learning/Week 3/Planar data classification with one hidden layer/
    Planar_data_classification_with_onehidden_layer_v6c.ipynb and planar_utils.py, commit
    e9de0f4d1549b5a974c7f5cba013097fe162a798: the assignment's notebook with its stored outputs)
  Setup: planar_utils.load_planar_dataset(): 400 points, 200 per class, "flower" petals t =
    linspace(3.12 j, 3.12 (j + 1), 200) + 0.2 randn, r = 4 sin(4t) + 0.2 randn, x = (r sin t, r cos t);
    section 3 "Simple Logistic Regression": sklearn.linear_model.LogisticRegressionCV().fit(X.T, Y).
  Observed by the source: "Accuracy of logistic regression: 47 % (percentage of correctly labelled
    datapoints)" (training data), its decision boundary a straight line through the flower.
  Accepted cause: "The dataset is not linearly separable, so logistic regression doesn't perform well.
    Hopefully a neural network will do better."; the fix is the one-hidden-layer tanh network
    (dlai_planar_logreg_fixed: 90 %; "Neural networks are able to learn even highly non-linear decision
    boundaries, unlike logistic regression").
  Changes to express it: sklearn's LogisticRegressionCV (L-BFGS to convergence, L2 penalty chosen by
    cross-validation) -> one sigmoid unit (2 -> 1, zero initial weights as sklearn's) fit by the
    notebook's own full-batch gradient descent on the mean cross-entropy, learning_rate 1.2 and 5000
    iterations as in its section 4.6, no penalty; a new flower per seed (gglab's generator; the notebook's
    np.random.seed(1)); the training accuracy is a run summary (train_acc). ]]
local gg = require "gglab"
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local C = dofile(HERE .. "/_courses.lua")

return gg.experiment {
  name = "dlai_planar_logreg",
  description = "broken: logistic regression (one sigmoid unit) on the 2-class flower, full-batch GD lr 1.2",
  sweep = gg.grid { seed = gg.seeds(10) },
  run = function(p, run)
    local data = C.flower(gg.rng(run.seed))
    local model = gg.nn.sequential { gg.nn.linear(2, 1, { init = "zeros", bias_init = "zeros" }),
      gg.nn.sigmoid() }
    gg.train { model = model, data = data, optimizer = gg.optim.sgd(model, { lr = 1.2 }), loss = "bce",
      batch_size = 400, epochs = 5000, log = run, log_every = 100 }
    run:summary { train_acc = C.acc(model, data) }
  end,
}
