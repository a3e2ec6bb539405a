//! Binary GP classification by the Laplace approximation (Rasmussen &
//! Williams 2006, algorithms 3.1 and 3.2) with the logistic likelihood.
